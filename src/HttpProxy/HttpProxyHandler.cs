using System.Net;
using Edge.Forwarding;
using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.HttpProxy;

/// <summary>
/// <c>builtin:http-proxy</c>: exposes one local web application (its <c>Origin</c>) through the edge, typically
/// through the tunnel. Plain requests, streamed bodies both ways, server-sent events, trailers and gRPC, WebSockets.
/// </summary>
/// <remarks>
/// 1. A plain CONNECT is refused with 405 (this is a reverse proxy for one origin); a WebSocket (HTTP/1.1 upgrade or
///    HTTP/2 extended CONNECT) is forwarded like any request and then carried as bytes both ways, so its extensions
///    (permessage-deflate) and subprotocol are negotiated between client and origin.
/// 2. YARP's forwarder sends the request over the environment's invoker (<see cref="IEdgeEnv.Http"/>: no redirects
///    followed, no decompression) under the forwarding core's header policy (<see cref="ForwardingTransformer"/>:
///    hop-by-hop headers dropped, X-Forwarded-* from <see cref="IFetchContext.Client"/>, Host as configured; the body
///    copied by the core straight into the response pipe, <see cref="Forwarders.ForwardAsync"/>) and a
///    time-to-headers timeout (<see cref="HttpProxyOptions.ResponseTimeout"/>, time waiting for the client not counted).
/// 3. A failure becomes the core's error model: 502/504/400 with a short text, one warning line; the client's abort or
///    the function's deadline goes to the host as cancellation.
/// 4. One log line per request: method, path (no query), status, bytes each way, duration.
/// </remarks>
public sealed class HttpProxyHandler : IFetchHandler
{
    private const string Upstream = "the origin";

    private readonly IHttpForwarder _forwarder;
    private readonly ForwarderRequestConfig _config;
    private readonly HttpMessageInvoker _http;
    private readonly OriginTarget _origin;
    private readonly HttpProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <summary>Validates the vars (every problem at once) and prepares the forwarder.</summary>
    /// <exception cref="FunctionConfigurationException">The configuration is invalid.</exception>
    public HttpProxyHandler(IEdgeEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var options = new HttpProxyOptions();
        try
        {
            env.Vars.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new FunctionConfigurationException([ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message]);
        }

        var errors = new List<string>();
        var origin = OriginTarget.Create(options, errors);
        if (origin is null)
        {
            throw new FunctionConfigurationException(errors);
        }

        Origin = origin.Uri;
        _origin = origin;
        _options = options;
        _http = env.Http;
        _time = env.Time;
        _log = env.LoggerFactory.CreateLogger("Edge.HttpProxy");
        _forwarder = Forwarders.Create(env.Time);

        // h2c needs HTTP/2 exactly (SocketsHttpHandler never upgrades plain text by itself); otherwise HTTP/2 where
        // TLS negotiates it, HTTP/1.1 in plain text.
        _config = options.H2c
            ? Forwarders.RequestConfig(HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact)
            : Forwarders.RequestConfig();
    }

    /// <summary>The origin requests are forwarded to.</summary>
    public Uri Origin { get; }

    /// <inheritdoc />
    /// <remarks>The response is the origin's, forwarded when the host executes the returned result.</remarks>
    public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ctx);
        return ValueTask.FromResult<IResult>(new ProxiedResponse(this, request, ctx));
    }

    private async Task ServeAsync(HttpRequest request, IFetchContext ctx)
    {
        var context = request.HttpContext;
        var started = _time.GetTimestamp();
        var path = request.Path.Value is { Length: > 0 } p ? p : "/";
        var status = 0;
        ForwardedBytes? bytes = null;
        try
        {
            // 1. CONNECT without a protocol: not ours to tunnel.
            if (HttpMethods.IsConnect(request.Method) && !context.WebSockets.IsWebSocketRequest)
            {
                context.Response.Headers.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
                await WriteTextAsync(context.Response, StatusCodes.Status405MethodNotAllowed, "CONNECT is not supported: this is a reverse proxy for one origin.", ctx.Aborted);
                status = StatusCodes.Status405MethodNotAllowed;
            }
            else
            {
                (status, bytes) = await ForwardAsync(context, ctx);
            }
        }
        finally
        {
            // 4. Log (a client abort leaves status 0: nothing was answered)
            if (_log.IsEnabled(LogLevel.Information))
            {
                HttpProxyLog.Request(_log, request.Method, path, status != 0 ? status : context.Response.HasStarted ? context.Response.StatusCode : StatusCodes.Status499ClientClosedRequest, bytes?.ToUpstream ?? 0, bytes?.FromUpstream ?? 0, _time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    private async Task<(int Status, ForwardedBytes Bytes)> ForwardAsync(HttpContext context, IFetchContext ctx)
    {
        // 2. Forward
        var bytes = new ForwardedBytes();
        using var timeout = new ResponseHeadersTimeout(_options.ResponseTimeout, _time);
        using var invoker = new ForwardingInvoker(_http, bytes, timeout);
        var client = ctx.Client;
        var transformer = new ForwardingTransformer(_origin.HostFor(context.Request), new TrustedClient(client.Address, client.Scheme, client.Host), bytes);
        var error = await _forwarder.ForwardAsync(context, _origin.Prefix, invoker, _config, transformer, ctx.Aborted);
        if (error == ForwarderError.None)
        {
            return (context.Response.StatusCode, bytes);
        }

        // 3. Failure: the client's abort or the deadline is the host's to answer (or not).
        ctx.Aborted.ThrowIfCancellationRequested();
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var failure = ForwardingFailure.FromForwarder(error, exception, context.Response.HasStarted, timeout, Upstream);
        failure.Log(_log, context.Request, _origin.Uri.ToString());
        await failure.RespondAsync(context);
        return (failure.Error == ForwardingError.ResponseBroken ? context.Response.StatusCode : failure.Status, bytes);
    }

    private static async Task WriteTextAsync(HttpResponse response, int status, string text, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        await response.WriteAsync(text + "\n", cancellationToken);
    }

    /// <summary>The origin's response to one request (or the proxy's own answer), sent when the host executes it.</summary>
    private sealed class ProxiedResponse(HttpProxyHandler handler, HttpRequest request, IFetchContext ctx) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => handler.ServeAsync(request, ctx);
    }
}
