using System.Diagnostics.Metrics;
using Edge.Host.Configuration;
using Edge.Host.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Admin;

/// <summary>Configuration and registration of the admin endpoints, shared by <c>edge serve</c> and <c>edge relay</c>.</summary>
internal static class AdminSetup
{
    /// <summary>ASP.NET Core's request metrics (<c>http.server.request.duration</c>, <c>http.server.active_requests</c>),
    /// exported by every edge process next to its own meters.</summary>
    private static readonly string[] s_hostMeters = ["Microsoft.AspNetCore.Hosting"];

    /// <summary>Meters the built-in handlers create through <c>IEdgeEnv.Meters</c> (the host's factory).</summary>
    private static readonly string[] s_handlerMeters = [Edge.RegistryProxy.RegistryProxyHandler.MeterName];

    /// <summary>Process-wide meters: the runtime's GC, memory, CPU and thread-pool figures.</summary>
    private static readonly string[] s_globalMeters = ["System.Runtime"];

    /// <summary>Binds <c>SECTION:AdminToken</c>/<c>SECTION:AdminTokenSha256</c> and adds every problem to <paramref name="errors"/>.</summary>
    public static AdminTokenOptions Bind(IConfiguration config, string section, List<string> errors)
    {
        var options = new AdminTokenOptions();
        try
        {
            config.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{section}: {ex.Message}");
        }

        errors.AddRange(options.Validate(section));
        return options;
    }

    /// <summary>
    /// Registers the token check and, when a token is configured, the metrics collector over <paramref name="meters"/>
    /// (created by the host's <see cref="IMeterFactory"/>) plus the host's, the built-in handlers' and the runtime meters. Without a token nothing
    /// listens, so metrics cost nothing.
    /// </summary>
    public static IServiceCollection AddAdminEndpoints(this IServiceCollection services, AdminTokenOptions options, string section, params string[] meters)
    {
        services.AddSingleton(new AdminAuthenticator(options.TokenHash(), section + ":AdminToken"));
        if (options.IsConfigured)
        {
            services.AddSingleton(sp => new MetricsCollector(MetricsCollector.Select(
                sp.GetRequiredService<IMeterFactory>(), [.. meters, .. s_hostMeters, .. s_handlerMeters], s_globalMeters)));
        }

        return services;
    }

    /// <summary>
    /// The endpoints of a built app. Resolves the collector now, so it listens before the server starts and the
    /// instruments record (the agent dials as soon as Kestrel binds).
    /// </summary>
    public static AdminEndpoints CreateEndpoints(IServiceProvider services, Func<HttpContext, Task>? status) =>
        new(services.GetRequiredService<AdminAuthenticator>(), services.GetService<MetricsCollector>(), status, services.GetRequiredService<ILoggerFactory>());
}
