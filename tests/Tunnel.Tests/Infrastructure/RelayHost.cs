using System.Net;
using Edge.Tunnel.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>A relay app on a real Kestrel (127.0.0.1, port 0 or a given one): agent endpoint and public entry.</summary>
internal sealed class RelayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RelayHost(WebApplication app, TestLogs logs)
    {
        _app = app;
        Logs = logs;
        Relay = app.Services.GetRequiredService<TunnelRelay>();
    }

    public TestLogs Logs { get; }

    public TunnelRelay Relay { get; }

    public IServiceProvider Services => _app.Services;

    public int Port { get; private set; }

    public Uri Uri => new($"http://127.0.0.1:{Port}");

    /// <summary>The HTTPS listener's port (0 without one).</summary>
    public int HttpsPort { get; private set; }

    /// <summary>Tunnels t1 (token secret-token-1) and t2 (secret-token-2); app.test and *.apps.test → t1,
    /// none.test → t2, private.app.test → t1 (private).</summary>
    public static void DefaultRoutes(TunnelRelayOptions o)
    {
        o.Tunnels.Add(new TunnelDefinition { Id = "t1", Token = "secret-token-1" });
        o.Tunnels.Add(new TunnelDefinition { Id = "t2", Token = "secret-token-2" });
        o.Ingress.Add(new TunnelIngressRule { Host = "app.test", TunnelId = "t1" });
        o.Ingress.Add(new TunnelIngressRule { Host = "*.apps.test", TunnelId = "t1" });
        o.Ingress.Add(new TunnelIngressRule { Host = "none.test", TunnelId = "t2" });
        o.Ingress.Add(new TunnelIngressRule { Host = "private.app.test", TunnelId = "t1", Private = true });
    }

    /// <summary>Starts a relay on 127.0.0.1:<paramref name="port"/> (plain HTTP), plus an HTTPS listener with
    /// <paramref name="httpsCertificate"/> when given; <paramref name="shutdownTimeout"/> is the host's grace period.</summary>
    public static async Task<RelayHost> StartAsync(
        Action<TunnelRelayOptions>? configure = null,
        int port = 0,
        TimeSpan? shutdownTimeout = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new TestLogs();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5));
        builder.Services.AddTunnelRelay(configure ?? DefaultRoutes);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, port);
            if (httpsCertificate is not null)
            {
                k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(httpsCertificate));
            }
        });
        var app = builder.Build();
        app.UseTunnelRelay();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var https = addresses.FirstOrDefault(a => a.StartsWith("https:", StringComparison.Ordinal));
        return new RelayHost(app, logs)
        {
            Port = new Uri(addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal))).Port,
            HttpsPort = https is null ? 0 : new Uri(https).Port,
        };
    }

    public async Task WaitForConnectionsAsync(string tunnelId, int connections, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var status = Relay.GetStatus().FirstOrDefault(s => s.TunnelId == tunnelId);
            if (status is not null && status.Connections >= connections)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"tunnel {tunnelId}: {status?.Connections ?? 0} of {connections} connections");
            }

            await Task.Delay(20);
        }
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
