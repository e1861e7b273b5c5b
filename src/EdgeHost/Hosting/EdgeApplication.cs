using System.Diagnostics.Metrics;
using Edge.Functions;
using Edge.Host.Admin;
using Edge.Host.Configuration;
using Edge.Host.Deploy;
using Edge.Host.Scheduling;
using Edge.Tunnel.Agent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// Builds the edge web application: configuration layers, validation, bindings, functions, Kestrel.
/// </summary>
/// <remarks>
/// Configuration, lowest priority first: built-in defaults, the <c>--config</c> file (YAML or JSON),
/// environment variables (<c>Registry__Domain=…</c>), command-line overrides (<c>--Registry:Domain=…</c>),
/// then overrides from a test harness. Every problem found is collected and reported in
/// one <see cref="EdgeConfigurationException"/>.
/// </remarks>
internal static class EdgeApplication
{
    public static WebApplication Build(
        string? configFile,
        string[] overrideArgs,
        IReadOnlyDictionary<string, string?>? overrides = null,
        IReadOnlyDictionary<string, Func<IEdgeEnv, IFetchHandler>>? extraHandlers = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var config = builder.Configuration;
        config.Sources.Clear();
        config.AddInMemoryCollection(EdgeDefaults.Values);
        AddConfigurationSources(config, configFile, overrideArgs, overrides);

        var root = config;
        var errors = new List<string>();
        var options = new EdgeOptions();
        try
        {
            root.GetSection(EdgeOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"Edge: {ex.Message}");
        }

        var trusted = new List<System.Net.IPNetwork>();
        foreach (var text in options.TrustedProxies)
        {
            if (ClientInfoResolver.TryParseNetwork(text, out var network))
            {
                trusted.Add(network);
            }
            else
            {
                errors.Add($"Edge:TrustedProxies: '{text}' is not an IP address or CIDR range.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Edge:DataDirectory must not be empty.");
        }

        errors.AddRange(BindingProvider.Validate(options));
        errors.AddRange(options.Deploy.Validate("Edge:Deploy"));
        var admin = AdminSetup.Bind(root, EdgeOptions.SectionName, errors);

        var tunnel = options.Tunnel.RelayUri is null ? null : options.Tunnel;
        if (tunnel is not null)
        {
            errors.AddRange(tunnel.Validate().Select(e => "Edge:Tunnel: " + e));
        }

        var urls = root["urls"] ?? EdgeDefaults.Urls;
        var listen = ServerListeners.Parse(urls, options.Certificates, "Edge:Certificates", errors);
        if (errors.Count > 0)
        {
            throw new EdgeConfigurationException(errors);
        }

        Directory.CreateDirectory(options.DataDirectory);
        // Listeners are configured explicitly below; clear `urls` for the host so Kestrel does not warn it overrides them.
        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, string.Empty);
        var tunnelEndPoint = tunnel is null ? null : new Edge.Tunnel.Agent.TunnelEndPoint(tunnel);
        if (tunnelEndPoint is not null)
        {
            builder.Services.AddTunnelAgent();
        }

        builder.Services.AddSingleton(new TunnelReadiness(tunnelEndPoint?.Status));
        builder.Services.AddAdminEndpoints(admin, EdgeOptions.SectionName, TunnelTransportFactory.MeterName);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Explicit listeners: Kestrel ignores `urls` once any endpoint (the tunnel's) is configured in code.
            listen.Apply(kestrel);

            if (tunnelEndPoint is not null)
            {
                kestrel.ListenTunnel(tunnelEndPoint);
            }

            // Layers are large and slow links are common: no body-rate minimum, no request body cap.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MaxRequestBodySize = null;
            // Room for a few large chunks per response, so streaming a layer does not stall on every write (Kestrel
            // applies this one to HTTP/2 streams; what an HTTP/1.1 response may hold unsent is the socket transport's,
            // below).
            kestrel.Limits.MaxResponseBufferSize = 1024 * 1024;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<SocketTransportOptions>(sockets =>
        {
            // Unsent bytes a connection may hold before a response write waits, 1 MiB as for HTTP/2 streams above
            // (Kestrel's default, 64 KiB, is one chunk of a streamed body): a handler copying a body reads the next
            // chunk while the last is sent, instead of every flush waiting for the socket and resuming on another
            // thread. builtin:http-proxy streamed a 1 GiB download about 45% faster for 40% less CPU
            // (docs/benchmarks.md). A slow client holds at most this much per connection before backpressure.
            sockets.MaxWriteBufferSize = 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        ConfigureLogging(builder, root);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ClientInfoResolver(trusted));
        // Hosted services start in this order before the server and stop in reverse after it: functions start first and
        // stop last, after their WaitUntil work; no scheduled run starts once the others stop.
        builder.Services.AddSingleton<FunctionLifetime>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FunctionLifetime>());
        builder.Services.AddDeployments(options);
        builder.Services.AddSingleton<BackgroundWork>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BackgroundWork>());
        builder.Services.AddSingleton<FunctionScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FunctionScheduler>());
        builder.Services.AddSingleton(sp => new BindingProvider(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton(_ => OutboundHttp.Create(options.Http));
        builder.Services.AddSingleton(_ => new ProxiedInvokers(options.Http));

        var app = builder.Build();
        var loader = new FunctionLoader(
            app.Configuration,
            options,
            app.Services.GetRequiredService<BindingProvider>(),
            app.Services.GetRequiredService<HttpMessageInvoker>(),
            app.Services.GetRequiredService<ProxiedInvokers>(),
            app.Services.GetRequiredService<TimeProvider>(),
            app.Services.GetRequiredService<ILoggerFactory>(),
            app.Services.GetRequiredService<IMeterFactory>(),
            BuiltinHandlers.With(extraHandlers));
        var (routes, functions, functionErrors) = loader.Load();
        if (functionErrors.Count > 0)
        {
            throw new EdgeConfigurationException(functionErrors);
        }

        app.Services.GetRequiredService<FunctionLifetime>().Set(functions);
        app.Services.GetRequiredService<FunctionScheduler>().Set(functions);
        var functionRoutes = app.Services.GetRequiredService<FunctionRoutes>();
        functionRoutes.SetConfigured(routes);

        var dispatcher = new EdgeDispatcher(
            functionRoutes,
            app.Services.GetRequiredService<Edge.Host.Deploy.Admin.FunctionAdminApi>(),
            app.Services.GetRequiredService<TunnelReadiness>(),
            AdminSetup.CreateEndpoints(app.Services, status: null),
            app.Services.GetRequiredService<ClientInfoResolver>(),
            app.Services.GetRequiredService<BackgroundWork>(),
            app.Services.GetRequiredService<ILoggerFactory>());
        // WebSocket requests (HTTP/1.1 upgrades, and HTTP/2 extended CONNECT as they arrive through the tunnel) get
        // HttpContext.WebSockets; others pass straight through.
        app.UseWebSockets();
        app.Run(dispatcher.InvokeAsync);
        StartupLog.Register(app, functions, options.DataDirectory);
        if (admin.IsConfigured)
        {
            // Deploys are possible: the first source deploy should not pay for the compiler's JIT (1-2 s).
            var compiler = app.Services.GetRequiredService<Edge.Host.Deploy.Compilation.SourceCompiler>();
            app.Lifetime.ApplicationStarted.Register(() => _ = compiler.WarmUpAsync(app.Lifetime.ApplicationStopping));
        }

        listen.Start(app, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Host"));
        return app;
    }

    public static void AddConfigurationSources(IConfigurationBuilder config, string? configFile, string[] overrideArgs, IReadOnlyDictionary<string, string?>? overrides)
    {
        try
        {
            AddSources(config, configFile, overrideArgs, overrides);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException or System.Text.Json.JsonException or InvalidOperationException)
        {
            // File providers wrap the parser's exception: the parser's own message says what is wrong and where.
            var reason = ex;
            while (reason is not FormatException and not System.Text.Json.JsonException && reason.InnerException is not null)
            {
                reason = reason.InnerException;
            }

            throw new EdgeConfigurationException([$"The configuration file '{configFile}' could not be read: {reason.Message}"]);
        }
    }

    public static void ConfigureLogging(WebApplicationBuilder builder, IConfiguration root)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddConfiguration(root.GetSection("Logging"));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
    }

    private static void AddSources(IConfigurationBuilder config, string? configFile, string[] overrideArgs, IReadOnlyDictionary<string, string?>? overrides)
    {
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new EdgeConfigurationException([$"The configuration file '{configFile}' does not exist."]);
            }

            var ext = Path.GetExtension(full);
            if (ext.Equals(".json", StringComparison.OrdinalIgnoreCase))
            {
                config.AddJsonFile(full, optional: false, reloadOnChange: false);
            }
            else if (ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase))
            {
                config.Add(new YamlConfigurationSource { Path = full, Optional = false, ReloadOnChange = false });
            }
            else
            {
                throw new EdgeConfigurationException([$"The configuration file '{configFile}' must end in .yaml, .yml or .json."]);
            }
        }

        config.AddEnvironmentVariables();
        config.AddCommandLine(overrideArgs);
        if (overrides is not null)
        {
            config.AddInMemoryCollection(overrides);
        }
    }
}
