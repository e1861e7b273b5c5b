using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Edge.IntegrationTests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// TLS on both legs of the tunnel with certificates from a test CA written as files: the relay's HTTPS public entry
/// choosing a certificate by SNI, and the agent dialing the relay over https trusting the CA by CaCertificatePath.
/// </summary>
public sealed class TunnelTlsTests : IDisposable
{
    private const string Token = "tls-token-0123456789abcdef";
    private const string RelayHost = "relay.tls.test";
    private readonly TempDirectory _dir = new("edge-tls-");
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create("Edge Integration CA");

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    /// <summary>A relay with plain HTTP on its <see cref="EdgeProcess.Port"/> (health checks, public requests in the
    /// agent test) and HTTPS on <paramref name="httpsPort"/>.</summary>
    private static EdgeProcess Relay(int httpsPort)
    {
        var relay = EdgeProcess.Create();
        return relay.WithSetting("urls", $"{relay.Url};https://127.0.0.1:{httpsPort}").WithCommand("relay")
        .WithSetting("Relay:Tunnels:0:Id", "home")
        .WithSetting("Relay:Tunnels:0:Token", Token)
        .WithSetting("Relay:Ingress:0:Host", "registry.tls.test")
        .WithSetting("Relay:Ingress:0:TunnelId", "home")
        .WithSetting("Relay:Ingress:1:Host", "mirror.tls.test")
        .WithSetting("Relay:Ingress:1:TunnelId", "home")
        .WithSetting("Relay:Ingress:2:Host", RelayHost)
        .WithSetting("Relay:Ingress:2:TunnelId", "home");
    }

    private static EdgeProcess Agent(string relayUri, DistributionRegistry upstream, string? caPath)
    {
        var agent = EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
            .WithSetting("Edge:Tunnel:RelayUri", relayUri)
            .WithSetting("Edge:Tunnel:TunnelId", "home")
            .WithSetting("Edge:Tunnel:Token", Token)
            .WithSetting("Edge:Tunnel:ConnectionCount", "2")
            .WithSetting("Edge:Tunnel:InitialBackoff", "00:00:00.200");
        return caPath is null ? agent : agent.WithSetting("Edge:Tunnel:CaCertificatePath", caPath);
    }

    private static async Task<(HttpStatusCode Status, string Detail)> WaitForReadyAsync(EdgeProcess agent, Func<HttpStatusCode, string, bool> done)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        (HttpStatusCode, string) last = default;
        for (var i = 0; i < 150; i++)
        {
            using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
            last = (response.StatusCode, await response.Content.ReadAsStringAsync());
            if (done(last.Item1, last.Item2))
            {
                break;
            }

            await Task.Delay(100);
        }

        return last;
    }

    /// <summary>An HTTPS client that connects to 127.0.0.1:<paramref name="port"/> whatever the URL's host (which is
    /// the SNI name), trusts only the test CA, and reports the certificate each handshake saw.</summary>
    private HttpMessageInvoker TlsClient(int port, List<string> presented) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                lock (presented)
                {
                    presented.Add((certificate as X509Certificate2)?.Subject ?? "none");
                }

                return _ca.Validates(certificate, errors);
            },
        },
    });

    [Fact]
    public async Task Relay_HttpsWithTwoCertificates_EachNameGetsItsOwnAndReachesTheTunnel()
    {
        Prerequisites.Require("docker-registry");
        using var registryCertificate = _ca.Issue("registry.tls.test");
        using var mirrorCertificate = _ca.Issue("mirror.tls.test", "*.mirror.tls.test");
        var (registryCrt, registryKey) = TestCertificateAuthority.WritePem(registryCertificate, _dir.Path, "registry");
        var mirrorPfx = _dir.Combine("mirror.pfx");
        File.WriteAllBytes(mirrorPfx, mirrorCertificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        var httpsPort = FreePort.Next();
        await using var upstream = await DistributionRegistry.StartNewAsync();
        await using var relay = await Relay(httpsPort)
            .WithSetting("Relay:Certificates:0:CertificatePath", registryCrt)
            .WithSetting("Relay:Certificates:0:KeyPath", registryKey)
            .WithSetting("Relay:Certificates:1:CertificatePath", mirrorPfx)
            .WithSetting("Relay:Certificates:1:Password", "pfx-password")
            .StartAsync();
        await using var agent = await Agent(relay.Url, upstream, null).StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await WaitForReadyAsync(agent, (s, _) => s == HttpStatusCode.OK)).Status);
        var presented = new List<string>();
        using var client = TlsClient(httpsPort, presented);

        async Task<HttpResponseMessage> GetAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://{host}:{httpsPort}/v2/"));
            return await client.SendAsync(request, CancellationToken.None);
        }

        using var registry = await GetAsync("registry.tls.test");
        using var mirror = await GetAsync("mirror.tls.test");
        using var wildcard = await GetAsync("eu.mirror.tls.test");
        using var noSni = await GetAsync("127.0.0.1");

        Assert.Equal(HttpStatusCode.OK, registry.StatusCode);
        Assert.Equal("registry/2.0", registry.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.Equal(HttpStatusCode.OK, mirror.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wildcard.StatusCode); // right certificate; no ingress rule for that name
        Assert.Equal(HttpStatusCode.NotFound, noSni.StatusCode);
        Assert.Equal(["CN=registry.tls.test", "CN=mirror.tls.test", "CN=mirror.tls.test", "CN=registry.tls.test"], presented);

        Assert.Contains("TLS certificate 1: CN=mirror.tls.test for mirror.tls.test, *.mirror.tls.test", relay.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("pfx-password", relay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_DialsHttpsRelay_TrustsPrivateCaByFile_WrongCaNotReadyWithClearError()
    {
        Prerequisites.Require("docker-registry");
        EdgeHosts.Ensure(RelayHost);
        using var relayCertificate = _ca.Issue(RelayHost);
        var (crt, key) = TestCertificateAuthority.WritePem(relayCertificate, _dir.Path, "relay");
        var caPath = _ca.WriteCertificatePem(_dir.Combine("ca.pem"));
        using var otherCa = TestCertificateAuthority.Create("Some Other CA");
        var otherPath = otherCa.WriteCertificatePem(_dir.Combine("other-ca.pem"));
        var httpsPort = FreePort.Next();
        await using var upstream = await DistributionRegistry.StartNewAsync();
        await using var relay = await Relay(httpsPort)
            .WithSetting("Relay:Certificates:0:CertificatePath", crt)
            .WithSetting("Relay:Certificates:0:KeyPath", key)
            .StartAsync();
        var relayUri = $"https://{RelayHost}:{httpsPort}";

        await using var trusting = await Agent(relayUri, upstream, caPath).StartAsync();
        var ready = await WaitForReadyAsync(trusting, (s, _) => s == HttpStatusCode.OK);
        await using var distrusting = await Agent(relayUri, upstream, otherPath).StartAsync();
        var notReady = await WaitForReadyAsync(distrusting, (_, d) => d.Contains("last error", StringComparison.Ordinal));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{relay.Url}/v2/"));
        request.Headers.Host = RelayHost;
        using var served = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("registry/2.0", served.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.Status);
        Assert.Contains($"the relay's certificate (CN={RelayHost}, issued by CN=Edge Integration CA) is trusted neither by the system store", notReady.Detail, StringComparison.Ordinal);
        Assert.Contains("nor by CaCertificatePath", notReady.Detail, StringComparison.Ordinal);
        Assert.Contains("dial failed", distrusting.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, trusting.Output + distrusting.Output + relay.Output, StringComparison.Ordinal);
    }
}
