using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Edge.Tunnel.Agent;

/// <summary>Registration of the agent side: the transport in DI and the tunnel endpoint on Kestrel.</summary>
public static class TunnelKestrelExtensions
{
    /// <summary>Registers <see cref="TunnelTransportFactory"/> next to Kestrel's socket transport.</summary>
    public static IServiceCollection AddTunnelAgent(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, TunnelTransportFactory>());
        return services;
    }

    /// <summary>
    /// Serves this Kestrel through a relay: listens on <paramref name="endPoint"/> with HTTP/2 only (the relay speaks
    /// h2c with prior knowledge) and applies <see cref="ApplyTunnelLimits"/>.
    /// </summary>
    public static KestrelServerOptions ListenTunnel(this KestrelServerOptions options, TunnelEndPoint endPoint, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        ApplyTunnelLimits(options.Limits);
        options.Listen(endPoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            configure?.Invoke(listen);
        });
        return options;
    }

    /// <summary>
    /// Kestrel limits a tunnel needs. They are server-wide (Kestrel has no per-endpoint HTTP/2 limits), so they also
    /// apply to the host's other endpoints; every change only raises a limit or adds liveness checks.
    /// </summary>
    public static void ApplyTunnelLimits(KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);

        // Defaults (1 MiB connection, 768 KiB stream) cap uploads over a link with any latency; every request of a
        // tunnel shares one TCP connection, so the connection window must cover several streams at full speed.
        limits.Http2.InitialConnectionWindowSize = Math.Max(limits.Http2.InitialConnectionWindowSize, 16 * 1024 * 1024);
        limits.Http2.InitialStreamWindowSize = Math.Max(limits.Http2.InitialStreamWindowSize, 8 * 1024 * 1024);

        // The default 100 concurrent streams is one busy browser page per connection; the relay queues beyond it.
        limits.Http2.MaxStreamsPerConnection = Math.Max(limits.Http2.MaxStreamsPerConnection, 1000);

        // Liveness by PINGs instead of idle timeouts: a half-open tunnel is found within ~35 s, an idle one stays up.
        limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(15);
        limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);

        // Kestrel closes connections without open streams after KeepAliveTimeout (130 s by default): an idle tunnel
        // would flap every two minutes. A day is long enough to never matter and still bounded.
        if (limits.KeepAliveTimeout < TimeSpan.FromDays(1))
        {
            limits.KeepAliveTimeout = TimeSpan.FromDays(1);
        }
    }
}
