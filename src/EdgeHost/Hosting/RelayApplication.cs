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
        try
        {
            config.GetSection(SectionName).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{SectionName}: {ex.Message}");
        }

        errors.AddRange(options.Validate().Select(e => $"{SectionName}: {e}"));
        var listen = ListenAddresses.Parse(config["urls"] ?? DefaultUrls, errors);
        if (errors.Count > 0)
        {
            throw new EdgeConfigurationException(errors);
        }

        // Listeners are configured explicitly below; clear `urls` for the host so Kestrel does not warn it overrides them.
        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var address in listen)
            {
                address.Apply(kestrel);
            }

            // Uploads and layer downloads of any size and speed pass through.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.AddServerHeader = false;
        });
        EdgeApplication.ConfigureLogging(builder, config);
        builder.Services.AddTunnelRelay(o =>
        {
            o.Tunnels = options.Tunnels;
            o.Ingress = options.Ingress;
            o.Access = options.Access;
            o.MaxAttempts = options.MaxAttempts;
            o.InitialStreamWindowSize = options.InitialStreamWindowSize;
            o.KeepAlivePingDelay = options.KeepAlivePingDelay;
            o.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
        });

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == EdgeDispatcher.HealthPath)
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok\n", context.RequestAborted);
                return;
            }

            await next(context);
        });
        app.UseTunnelRelay();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Relay");
        app.Lifetime.ApplicationStarted.Register(() => RelayLog.Started(logger, string.Join(", ", listen.Select(l => $"{l.Host}:{l.Port}")), options.Tunnels.Count, options.Ingress.Count));
        return app;
    }
}

internal static partial class RelayLog
{
    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Edge relay listening on {Addresses}; {Tunnels} tunnel(s), {Rules} ingress rule(s)")]
    public static partial void Started(ILogger logger, string addresses, int tunnels, int rules);
}
