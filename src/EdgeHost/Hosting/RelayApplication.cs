using Edge.Host.Admin;
using Edge.Host.Configuration;
using Edge.Tunnel.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// <c>edge relay</c>: the public side of the tunnel. One listener serves both the public entry (requests routed
/// by the <c>Relay:Ingress</c> rules to tunnels) and the agent endpoint agents dial into.
/// </summary>
internal static class RelayApplication
{
    /// <summary>The relay's default listen address: the conventional alternative HTTP port.</summary>
    public const string DefaultUrls = "http://0.0.0.0:8080";

    public const string SectionName = "Relay";

    public static WebApplication Build(string? configFile, string[] overrideArgs, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var config = builder.Configuration;
        config.Sources.Clear();
        config.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = DefaultUrls });
        EdgeApplication.AddConfigurationSources(config, configFile, overrideArgs, overrides);

        var errors = new List<string>();
        var options = new TunnelRelayOptions();
        var hostOptions = new RelayHostOptions();
        try
        {
            config.GetSection(SectionName).Bind(options);
            config.GetSection(SectionName).Bind(hostOptions);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{SectionName}: {ex.Message}");
        }

        errors.AddRange(options.Validate().Select(e => $"{SectionName}: {e}"));
        if (errors.Count == 0)
        {
            // Before the first SocketsHttpHandler of the process (the relay's agent connections) is created.
            TunnelFlowControl.ApplyProcessWide(options);
        }

        var admin = AdminSetup.Bind(config, SectionName, errors);
        if (hostOptions.ShutdownTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:ShutdownTimeout must be positive");
        }

        var listen = ServerListeners.Parse(config["urls"] ?? DefaultUrls, hostOptions.Certificates, $"{SectionName}:Certificates", errors);
        if (errors.Count > 0)
        {
            throw new EdgeConfigurationException(errors);
        }

        // Listeners are configured explicitly below; clear `urls` for the host so Kestrel does not warn it overrides them.
        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            listen.Apply(kestrel);

            // Uploads and layer downloads of any size and speed pass through.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.AddServerHeader = false;
        });

        // Graceful stop: Kestrel stops accepting, forwards in flight finish (up to this), then the agents are let go.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(h => h.ShutdownTimeout = hostOptions.ShutdownTimeout);
        EdgeApplication.ConfigureLogging(builder, config);
        builder.Services.AddTunnelRelay(o =>
        {
            o.Tunnels = options.Tunnels;
            o.Ingress = options.Ingress;
            o.Access = options.Access;
            o.MaxAttempts = options.MaxAttempts;
            o.InitialStreamWindowSize = options.InitialStreamWindowSize;
            o.MaxStreamWindowSize = options.MaxStreamWindowSize;
            o.KeepAlivePingDelay = options.KeepAlivePingDelay;
            o.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
        });
        builder.Services.AddAdminEndpoints(admin, SectionName, TunnelRelay.MeterName);

        var app = builder.Build();
        var relay = app.Services.GetRequiredService<TunnelRelay>();
        var adminEndpoints = AdminSetup.CreateEndpoints(app.Services, context => RelayStatusWriter.WriteAsync(context, relay));
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == EdgeDispatcher.HealthPath)
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok\n", context.RequestAborted);
                return;
            }

            // The relay answers its admin paths itself, for every host: they are never forwarded to a tunnel.
            if (adminEndpoints.Handles(context.Request.Path))
            {
                await adminEndpoints.HandleAsync(context);
                return;
            }

            await next(context);
        });
        app.UseTunnelRelay();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Relay");
        listen.Start(app, logger);
        app.Lifetime.ApplicationStarted.Register(() => RelayLog.Started(logger, listen.ToString(), options.Tunnels.Count, options.Ingress.Count));
        return app;
    }
}

internal static partial class RelayLog
{
    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Edge relay listening on {Addresses}; {Tunnels} tunnel(s), {Rules} ingress rule(s)")]
    public static partial void Started(ILogger logger, string addresses, int tunnels, int rules);
}
