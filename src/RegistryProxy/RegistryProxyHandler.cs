using System.Diagnostics;
using Edge.Functions;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Cache;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Errors;
using Edge.RegistryProxy.Resilience;
using Edge.RegistryProxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy;

/// <summary>
/// The Docker Registry v2 pull-through proxy, as an ordinary worker handler: everything it touches comes
/// from <see cref="IEdgeEnv"/>.
/// </summary>
/// <remarks>
/// 1. Resolve the request to an upstream and repository (<see cref="RegistryRouter"/>); bad input is a
///    registry error, never a storage path.
/// 2. Dispatch: <c>/v2/</c>, token endpoint, manifests, blobs, tag lists. Only GET and HEAD (and POST to the
///    token endpoint): this is a mirror, not a registry to push to.
/// 3. Log one line per request: upstream, repository, cache outcome, bytes, duration.
/// The response is a <see cref="RegistryResponse"/> that does all of this when the host executes it. The cache
/// sweeper (with <c>MaxCacheSize</c>) runs between <see cref="StartAsync"/> and <see cref="StopAsync"/>.
/// </remarks>
public sealed partial class RegistryProxyHandler : IFetchHandler, IFunctionLifecycle, IDisposable
{
    /// <summary>
    /// The meter of the proxy's instruments (<c>edge.registry.upstream.*</c>), created with <see cref="IEdgeEnv.Meters"/>.
    /// </summary>
    public const string MeterName = "Edge.RegistryProxy";

    private readonly RegistryRouter _router;
    private readonly TokenRelay _tokens;
    private readonly BaseEndpoint _base;
    private readonly ManifestService _manifests;
    private readonly BlobService _blobs;
    private readonly TagListService _tags;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly CacheSweeper? _sweeper;
    private CancellationTokenSource? _stopping;
    private Task? _sweeping;

    /// <summary>Validates the configuration (all problems at once) and wires the proxy to its bindings.</summary>
    /// <exception cref="FunctionConfigurationException">The configuration is invalid.</exception>
    public RegistryProxyHandler(IEdgeEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var errors = new List<string>();
        var options = new RegistryProxyOptions();
        try
        {
            env.Vars.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new FunctionConfigurationException([ex.Message]);
        }

        var table = UpstreamTable.Build(options, errors);
        Validate(options, errors);
        var egress = Egress(env, table, errors);
        IObjectBucket? bucket = null;
        IKeyValueStore? store = null;
        try
        {
            bucket = env.Bucket(options.CacheBucket);
        }
        catch (KeyNotFoundException ex)
        {
            errors.Add(ex.Message);
        }

        try
        {
            store = env.KeyValue(options.MetadataStore);
        }
        catch (KeyNotFoundException ex)
        {
            errors.Add(ex.Message);
        }

        if (errors.Count > 0)
        {
            throw new FunctionConfigurationException(errors);
        }

        _time = env.Time;
        _log = env.LoggerFactory.CreateLogger("Edge.RegistryProxy");
        var metrics = new ResilienceMetrics(env.Meters.Create(new System.Diagnostics.Metrics.MeterOptions(MeterName)));
        var channelLog = env.LoggerFactory.CreateLogger("Edge.RegistryProxy.Resilience");
        var channels = new UpstreamChannels(table.All.Select(u => new UpstreamChannel(u, egress[u.Name], options.UpstreamTimeout, options.Resilience, env.Time, metrics, channelLog)));
        metrics.ObserveCircuits(channels.All);
        var realms = new RealmCache();
        var anonymous = new AnonymousTokens(env.Time);
        var fetcher = new TokenFetcher(channels);
        var upstreamClient = new UpstreamClient(channels, realms, new ProxyTokenSource(fetcher, env.Time), options, _log);
        var access = new AccessPolicy(store!, anonymous, options, env.Time);
        _router = new RegistryRouter(table);
        _tokens = new TokenRelay(table, realms, upstreamClient, fetcher, anonymous, env.Time);
        _base = new BaseEndpoint(upstreamClient, env.Time);
        var accessLog = new CacheAccessLog(env.Time, enabled: options.MaxCacheSize > 0);
        var downloads = new BlobDownloads();
        var cache = new FailSoftBucket(bucket!, _log);
        _manifests = new ManifestService(upstreamClient, cache, store!, access, accessLog, options, env.Time, _log);
        _blobs = new BlobService(upstreamClient, cache, store!, access, downloads, accessLog, env.ScratchDirectory, _log);
        if (accessLog.Enabled)
        {
            // Runs between StartAsync and StopAsync; each sweep is bounded and never throws.
            _sweeper = new CacheSweeper(bucket!, store!, accessLog, downloads, options, env.Time, env.LoggerFactory.CreateLogger("Edge.RegistryProxy.Cache"));
        }
        _tags = new TagListService(upstreamClient);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_sweeper is not null && _sweeping is null)
        {
            _stopping = new CancellationTokenSource();
            _sweeping = _sweeper.Start(_stopping.Token);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _sweeping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _sweeping.WaitAsync(cancellationToken);
        _stopping.Dispose();
        _stopping = null;
        _sweeping = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping?.Cancel();
        _stopping?.Dispose();
        _stopping = null;
    }

    /// <inheritdoc />
    public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ctx);
        return ValueTask.FromResult<IResult>(new RegistryResponse(this, request, ctx));
    }

    /// <summary>Serves one request against the live response (what <see cref="RegistryResponse"/> runs).</summary>
    private async Task ServeAsync(HttpRequest request, IFetchContext ctx)
    {
        var started = _time.GetTimestamp();
        var http = request.HttpContext;
        http.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";

        // 1. Resolve
        var resolved = _router.Resolve(ctx.Client.Host, request.Path.Value ?? "/", request.Query["ns"].FirstOrDefault());
        if (resolved.Error is { } error)
        {
            await error.WriteAsync(http.Response, ctx.Aborted);
            if (_log.IsEnabled(LogLevel.Information))
            {
                LogRequest(_log, request.Method, request.Path.Value ?? "/", http.Response.StatusCode, "-", "-", "none", 0, _time.GetElapsedTime(started).TotalMilliseconds);
            }

            return;
        }

        var route = resolved.Route!;
        var proxy = new ProxyRequest(http, route, ctx);
        proxy.State.Upstream = route.Upstream.Name;
        proxy.State.Repository = route.Repository;
        try
        {
            // 2. Dispatch
            var method = request.Method;
            var allowed = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || (route.Kind == RouteKind.Token && HttpMethods.IsPost(method));
            if (!allowed)
            {
                await new RegistryError(RegistryErrorCode.Unsupported, $"{method} is not supported: this is a pull-through mirror.").WriteAsync(http.Response, ctx.Aborted);
            }
            else
            {
                await (route.Kind switch
                {
                    RouteKind.Token => _tokens.ServeAsync(http, route.Upstream, ctx.Aborted),
                    RouteKind.Base => _base.ServeAsync(proxy),
                    RouteKind.Manifest => _manifests.ServeAsync(proxy),
                    RouteKind.Blob => _blobs.ServeAsync(proxy),
                    RouteKind.TagList => _tags.ServeAsync(proxy),
                    _ => throw new UnreachableException(),
                });
            }
        }
        catch (IOException ex) when (!http.Response.HasStarted && !ctx.Aborted.IsCancellationRequested)
        {
            // The proxy's own storage failed (key-value store, a cache write nobody else handled): say so in the registry's
            // format, so clients show it and retry, and keep the store's details (addresses) in the log.
            LogStorageFailed(_log, request.Method, request.Path.Value ?? "/", ex);
            await new RegistryError(RegistryErrorCode.Unavailable, "The proxy's storage is unavailable; try again shortly.", 503).WriteAsync(http.Response, ctx.Aborted);
        }
        finally
        {
            // 3. Log
            if (_log.IsEnabled(LogLevel.Information))
            {
                var state = proxy.State;
                LogRequest(_log, request.Method, request.Path.Value ?? "/", http.Response.StatusCode, state.Upstream ?? "-", state.Repository is { Length: > 0 } r ? r : "-", state.Cache.ToString().ToLowerInvariant(), state.Bytes, _time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>The proxy's answer to one request: resolved, served (from the cache or upstream) and logged when the
    /// host executes it.</summary>
    private sealed class RegistryResponse(RegistryProxyHandler handler, HttpRequest request, IFetchContext ctx) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => handler.ServeAsync(request, ctx);
    }

    /// <summary>
    /// The invoker of each upstream: through its <c>Proxy</c> (the environment validates the URL and owns the invoker),
    /// or the shared one.
    /// </summary>
    private static Dictionary<string, HttpMessageInvoker> Egress(IEdgeEnv env, UpstreamTable table, List<string> errors)
    {
        var invokers = new Dictionary<string, HttpMessageInvoker>(StringComparer.OrdinalIgnoreCase);
        foreach (var upstream in table.All)
        {
            if (upstream.Proxy is null)
            {
                invokers[upstream.Name] = env.Http;
                continue;
            }

            try
            {
                invokers[upstream.Name] = env.HttpVia(upstream.Proxy);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                // The environment's messages name the proxy without its credentials.
                errors.Add($"Upstreams:{upstream.Name}:Proxy: {upstream.Redact(ex.Message)}");
            }
        }

        return invokers;
    }

    internal static void Validate(RegistryProxyOptions options, List<string> errors)
    {
        if (options.TagTtl < TimeSpan.Zero)
        {
            errors.Add("TagTtl must not be negative.");
        }

        if (options.AccessTtl < TimeSpan.Zero)
        {
            errors.Add("AccessTtl must not be negative.");
        }

        if (options.PublicTtl <= TimeSpan.Zero)
        {
            errors.Add("PublicTtl must be positive.");
        }

        if (options.UpstreamTimeout < TimeSpan.FromMilliseconds(10) || options.UpstreamTimeout > TimeSpan.FromDays(1))
        {
            errors.Add("UpstreamTimeout must be between 10 ms and 1 day.");
        }

        options.Resilience.Validate(options.UpstreamTimeout, errors);

        if (options.MaxManifestBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add("MaxManifestBytes must be between 1 KiB and 64 MiB.");
        }

        if (options.MaxCacheSize < 0)
        {
            errors.Add("MaxCacheSize must not be negative (0 means unlimited).");
        }

        if (options.CacheSweepInterval <= TimeSpan.Zero || options.CacheSweepInterval > TimeSpan.FromDays(1))
        {
            errors.Add("CacheSweepInterval must be positive and at most 1 day.");
        }

        if (options.CacheProtectRecent < TimeSpan.Zero)
        {
            errors.Add("CacheProtectRecent must not be negative.");
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Method} {Path} failed: the proxy's storage failed")]
    private static partial void LogStorageFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} {Status} upstream={Upstream} repo={Repository} cache={Cache} bytes={Bytes} ms={Duration:0}")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, string upstream, string repository, string cache, long bytes, double duration);
}
