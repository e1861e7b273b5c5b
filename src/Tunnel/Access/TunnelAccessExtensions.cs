using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Tunnel.Access;

/// <summary>Registration of the access client (the local side of <c>edge access</c>).</summary>
public static class TunnelAccessExtensions
{
    /// <summary>Registers <see cref="TunnelAccessProxy"/> (a singleton) with its options.</summary>
    public static IServiceCollection AddTunnelAccess(this IServiceCollection services, Action<TunnelAccessOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Configure(configure);
        services.AddSingleton<TunnelAccessProxy>();
        return services;
    }

    /// <summary>Mounts the access proxy as a terminal middleware: every request goes to the relay. Resolves (and
    /// so validates) it at once.</summary>
    public static IApplicationBuilder UseTunnelAccess(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var proxy = app.ApplicationServices.GetRequiredService<TunnelAccessProxy>();
        app.Run(proxy.HandleAsync);
        return app;
    }
}
