using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy;

/// <summary>
/// <c>builtin:http-proxy</c>: exposes one local web application (its <c>Origin</c>) through the edge, typically
/// through the tunnel. Plain requests, streamed bodies both ways, server-sent events and WebSockets.
/// </summary>
/// <remarks>
/// 1. A WebSocket request (HTTP/1.1 upgrade or HTTP/2 extended CONNECT) is bridged to the origin's WebSocket
///    (<see cref="WebSocketBridge"/>); any other CONNECT is refused with 405.
/// 2. Everything else is forwarded as HTTP (<see cref="HttpForwarder"/>).
/// 3. One log line per request: method, path (no query), status, bytes each way, duration.
/// Outbound requests use the environment's invoker (<see cref="IEdgeEnv.Http"/>): no redirects followed, no
/// decompression, no buffering, so the client gets exactly what the origin sent.
/// </remarks>
public sealed class HttpProxyHandler : IFetchHandler
{
    private readonly HttpForwarder _forwarder;
    private readonly WebSocketBridge _webSockets;
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
        _time = env.Time;
        _log = env.LoggerFactory.CreateLogger("Edge.HttpProxy");
        _forwarder = new HttpForwarder(env.Http, origin, options, env.Time, _log);
        _webSockets = new WebSocketBridge(env.Http, origin, options, env.Time, _log);
    }

    /// <summary>The origin requests are forwarded to.</summary>
    public Uri Origin { get; }

    /// <inheritdoc />
    public async ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ctx);
        var context = request.HttpContext;
        var started = _time.GetTimestamp();
        var path = request.Path.Value ?? "/";
        var status = 0;
        long bytesIn = 0;
        long bytesOut = 0;
        try
        {
            // 1. WebSocket
            if (context.WebSockets.IsWebSocketRequest)
            {
                (status, bytesIn, bytesOut) = await _webSockets.BridgeAsync(context, ctx);
            }
            else if (HttpMethods.IsConnect(request.Method))
            {
                context.Response.Headers.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
                await HttpForwarder.WriteErrorAsync(context.Response, StatusCodes.Status405MethodNotAllowed, "CONNECT is not supported: this is a reverse proxy for one origin.", ctx.Aborted);
                status = StatusCodes.Status405MethodNotAllowed;
            }
            else
            {
                // 2. HTTP
                (status, bytesIn, bytesOut) = await _forwarder.ForwardAsync(context, ctx);
            }
        }
        finally
        {
            // 3. Log (a client abort leaves status 0: nothing was answered)
            if (_log.IsEnabled(LogLevel.Information))
            {
                HttpProxyLog.Request(_log, request.Method, path, status != 0 ? status : context.Response.HasStarted ? context.Response.StatusCode : 499, bytesIn, bytesOut, _time.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        return Results.Empty;
    }
}
