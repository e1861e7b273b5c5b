using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Edge.Tunnel.Access;
using Edge.Tunnel.Relay;
using Edge.Tunnel.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Tests;

/// <summary>`edge access` to an https:// relay: TLS names the relay (SNI and certificate), while Host names the
/// private hostname.</summary>
public sealed class AccessTlsTests
{
    [Fact]
    public async Task HttpsRelay_TlsNamesTheRelayAndHostNamesThePrivateHostname()
    {
        using var certificate = CreateCertificate("localhost");
        var serverNames = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        await using var relay = await StartRelayAsync(certificate, serverNames);
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(new Uri($"http://127.0.0.1:{relay.PlainPort}")));
        await WaitForAgentAsync(relay.Relay);

        var validated = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var access = await AccessHost.StartAsync(new Uri($"https://localhost:{relay.TlsPort}"), "private.app.test", AccessTests.CiToken, o =>
            o.RemoteCertificateValidation = (_, presented, _, errors) =>
            {
                // Only the chain is untrusted (self-signed); the name matched the relay's.
                validated.Enqueue(errors.ToString());
                return presented is not null && presented.GetCertHashString() == certificate.GetCertHashString()
                    && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            });
        using var client = new PublicClient(access.Port);

        var (status, body) = await client.GetStringAsync("localhost", "/echo");

        Assert.Equal(200, status);
        Assert.Contains("host=private.app.test\n", body, StringComparison.Ordinal);
        Assert.Contains("xfproto=https\n", body, StringComparison.Ordinal);
        Assert.NotEmpty(serverNames);
        Assert.All(serverNames, name => Assert.Equal("localhost", name));
        Assert.NotEmpty(validated);
    }

    private static X509Certificate2 CreateCertificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<TlsRelay> StartRelayAsync(X509Certificate2 certificate, System.Collections.Concurrent.ConcurrentQueue<string?> serverNames)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddTunnelRelay(AccessTests.AccessRoutes);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Agents dial the plain listener; the access client the TLS one.
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (_, name) =>
                {
                    serverNames.Enqueue(name);
                    return certificate;
                },
            }));
        });
        var app = builder.Build();
        app.UseTunnelRelay();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var plain = new Uri(addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal))).Port;
        var tls = new Uri(addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal))).Port;
        return new TlsRelay(app, app.Services.GetRequiredService<TunnelRelay>(), plain, tls);
    }

    private static async Task WaitForAgentAsync(TunnelRelay relay)
    {
        for (var i = 0; i < 500; i++)
        {
            if (relay.GetStatus().FirstOrDefault(s => s.TunnelId == "t1") is { Connections: > 0 })
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no agent connection within 10 s");
    }

    private sealed record TlsRelay(WebApplication App, TunnelRelay Relay, int PlainPort, int TlsPort) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
