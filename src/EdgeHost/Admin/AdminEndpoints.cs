using Edge.Host.Metrics;
using Edge.Tunnel.Agent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Admin;

/// <summary>
/// The admin endpoints of <c>edge serve</c> and <c>edge relay</c>: <c>GET /_edge/metrics</c> (Prometheus text) and,
/// where a status writer is given, <c>GET /_edge/status</c> (JSON).
/// </summary>
/// <remarks>
/// 1. No admin token configured: 404 with the setting that enables them (off by default).
/// 2. No or wrong bearer token: 401 with <c>WWW-Authenticate: Bearer</c>; logged with path and peer, never the token.
/// 3. Only GET and HEAD: 405 otherwise.
/// 4. Answer, never cached.
/// </remarks>
internal sealed partial class AdminEndpoints
{
    public const string MetricsPath = "/_edge/metrics";
    public const string StatusPath = "/_edge/status";
    private const string Realm = "edge-admin";

    private readonly AdminAuthenticator _auth;
    private readonly MetricsCollector? _metrics;
    private readonly Func<HttpContext, Task>? _status;
    private readonly ILogger _logger;

    /// <param name="auth">The token check.</param>
    /// <param name="metrics">The collector behind <c>/_edge/metrics</c>; null when the endpoints are off.</param>
    /// <param name="status">Writes the <c>/_edge/status</c> document; null: no status endpoint.</param>
    /// <param name="loggerFactory">For refusals.</param>
    public AdminEndpoints(AdminAuthenticator auth, MetricsCollector? metrics, Func<HttpContext, Task>? status, ILoggerFactory loggerFactory)
    {
        _auth = auth;
        _metrics = metrics;
        _status = status;
        _logger = loggerFactory.CreateLogger<AdminEndpoints>();
    }

    /// <summary>True for the paths this class answers.</summary>
    public bool Handles(PathString path) =>
        path.Equals(MetricsPath, StringComparison.Ordinal) || (_status is not null && path.Equals(StatusPath, StringComparison.Ordinal));

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "";
        response.Headers.CacheControl = "no-store";

        // 1, 2. Authentication.
        switch (_auth.Check(request))
        {
            case AdminAuthResult.NotConfigured:
                await WriteTextAsync(context, StatusCodes.Status404NotFound,
                    $"{path} is disabled: set {_auth.SettingName} (or {_auth.SettingName}Sha256) to enable the admin endpoints, then send Authorization: Bearer TOKEN");
                return;
            case AdminAuthResult.Missing:
                LogRefused(_logger, request.Method, path, Peer(context), "no bearer token");
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\"";
                await WriteTextAsync(context, StatusCodes.Status401Unauthorized, "admin token required");
                return;
            case AdminAuthResult.Invalid:
                LogRefused(_logger, request.Method, path, Peer(context), "invalid token");
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"invalid_token\"";
                await WriteTextAsync(context, StatusCodes.Status401Unauthorized, "admin token refused");
                return;
        }

        // 3. Methods.
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, $"{path} answers GET only");
            return;
        }

        // 4. Answer.
        if (path == StatusPath && _status is not null)
        {
            await _status(context);
            return;
        }

        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        PrometheusTextFormatter.Write(_metrics?.Collect() ?? [], text);
        response.ContentType = PrometheusTextFormatter.ContentType;
        await response.WriteAsync(text.ToString(), context.RequestAborted);
    }

    private static string Peer(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is { } address)
        {
            return address.ToString();
        }

        // Through the tunnel: the relay set X-Forwarded-For to the public client's address (replacing any sent value).
        return context.Features.Get<ITunnelConnectionFeature>() is { } tunnel
            ? $"{context.Request.Headers["X-Forwarded-For"]} via tunnel {tunnel.TunnelId}"
            : "unknown";
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Admin request {Method} {Path} from {Peer} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string peer, string reason);
}
