using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Edge.Tunnel.Relay;

/// <summary>Registration of the relay side.</summary>
public static class TunnelRelayExtensions
{
    /// <summary>
    /// Registers <see cref="TunnelRelay"/> (a singleton) with its options, and gives the server's Kestrel 256 KiB
    /// memory-pool blocks (<see cref="LargeBlockMemoryPool"/>): server-wide, like every Kestrel setting, so other
    /// endpoints of the same host get them too.
    /// </summary>
    public static IServiceCollection AddTunnelRelay(this IServiceCollection services, Action<TunnelRelayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Configure(configure);
        services.AddSingleton<TunnelRelay>();

        // Replace, not TryAdd: the web host registers Kestrel's own factory before the application's services.
        services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>());
        return services;
    }

    /// <summary>
    /// Mounts the whole relay as a terminal middleware: agent upgrades on <see cref="TunnelProtocol.ConnectPath"/>,
    /// everything else forwarded by ingress rules. Resolves (and so validates) the relay at once.
    /// </summary>
    public static IApplicationBuilder UseTunnelRelay(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var relay = app.ApplicationServices.GetRequiredService<TunnelRelay>();
        app.Run(relay.HandleAsync);
        return app;
    }

    /// <summary>Maps only the agent endpoint (for a relay whose agent port differs from its public port).</summary>
    public static IEndpointConventionBuilder MapTunnelAgents(this IEndpointRouteBuilder endpoints, string pattern = TunnelProtocol.ConnectPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var relay = endpoints.ServiceProvider.GetRequiredService<TunnelRelay>();
        return endpoints.MapGet(pattern, relay.AcceptAgentAsync);
    }
}
