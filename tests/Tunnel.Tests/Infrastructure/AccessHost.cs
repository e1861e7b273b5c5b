using System.Net;
using Edge.Tunnel.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>The local side of `edge access` on a real Kestrel (127.0.0.1, port 0): every request goes to the relay
/// for one private hostname with an access token.</summary>
internal sealed class AccessHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AccessHost(WebApplication app, TestLogs logs, int port)
    {
        _app = app;
        Logs = logs;
        Port = port;
    }

    public TestLogs Logs { get; }

    public int Port { get; }

    public static async Task<AccessHost> StartAsync(Uri relay, string hostname, string token, Action<TunnelAccessOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new TestLogs();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddTunnelAccess(o =>
        {
            o.RelayUri = relay;
            o.Hostname = hostname;
            o.Token = token;
            o.ConnectTimeout = TimeSpan.FromSeconds(5);
            configure?.Invoke(o);
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.UseTunnelAccess();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AccessHost(app, logs, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
