using Edge.Host.Admin;
using Edge.Tunnel.Agent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// The host's whole request pipeline after Kestrel: health, route, invoke the handler, and contain its
/// failures so a crashing handler costs one request, never the host.
/// </summary>
/// <remarks>
/// 1. <c>/_edge/health</c>, <c>/_edge/ready</c>, the deploy API (<c>/_edge/functions</c>) and the admin endpoints
///    (<c>/_edge/metrics</c>; both need the admin token)
///    answer directly, whichever listener (local or tunnel) the request came in on.
/// 2. Establish the client (trusted forwarding headers only).
/// 3. Find the function by host and path (the live table: deploys change it); none is a 404. A deployed function in
///    a gradual rollout picks the version; its requests in flight are counted so a retired version drains first.
/// 4. Link the client's abort with the function's deadline.
/// 5. Run the handler and execute its result (the response) against the live response; a handler that started the
///    response itself broke the contract (logged, its result not executed).
/// 6. On a handler exception: a 500 naming an error id (the log line has the id and the exception) if nothing was sent yet, else abort the connection so the client
///    sees a truncated response instead of a silently short one. On the deadline: a 504.
/// </remarks>
internal sealed partial class EdgeDispatcher(
    FunctionRoutes routes,
    Edge.Host.Deploy.Admin.FunctionAdminApi deployApi,
    TunnelReadiness readiness,
    AdminEndpoints admin,
    ClientInfoResolver clients,
    BackgroundWork background,
    ILoggerFactory loggerFactory)
{
    public const string HealthPath = "/_edge/health";

    /// <summary>Readiness: 200 when the host can serve; with a tunnel, when at least one tunnel connection is up.</summary>
    public const string ReadyPath = "/_edge/ready";

    private readonly ILogger _logger = loggerFactory.CreateLogger<EdgeDispatcher>();

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";

        // Requests that came through the tunnel carry its id in ASP.NET Core's request metrics.
        if (context.Features.Get<ITunnelConnectionFeature>() is { } tunnel)
        {
            context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new("edge.tunnel", tunnel.TunnelId));
        }

        // 1. Health
        if (path == HealthPath)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok\n", context.RequestAborted);
            return;
        }

        if (path == ReadyPath)
        {
            var (ready, detail) = readiness.Check();
            context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(detail + "\n", context.RequestAborted);
            return;
        }

        if (Edge.Host.Deploy.Admin.FunctionAdminApi.Handles(request.Path))
        {
            await deployApi.HandleAsync(context);
            return;
        }

        if (admin.Handles(request.Path))
        {
            await admin.HandleAsync(context);
            return;
        }

        // 2. Client
        var client = clients.Resolve(context);

        // 3. Route
        // A retired instance refuses new requests; the table that replaced it is already published, so routing again
        // finds the new version (bounded: a deploy that retires it again in between is rare).
        FunctionInstance? function = null;
        IRouteTarget? target = null;
        for (var attempt = 0; attempt < 5 && function is null; attempt++)
        {
            target = routes.Table.Match(client.Host, path);
            if (target is null)
            {
                break;
            }

            var picked = target.Pick(request);
            if (picked.Activity.TryEnter())
            {
                function = picked;
            }
        }

        if (target is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync($"No function is routed for host '{client.Host}' and path '{path}'.\n", context.RequestAborted);
            return;
        }

        if (function is null)
        {
            await FailAsync(context, StatusCodes.Status503ServiceUnavailable, $"Function '{target.Name}' is being replaced; try again.");
            return;
        }

        if (function.Version is { } version)
        {
            context.Response.Headers[DeployedFunction.VersionHeader] = version;
        }

        try
        {
            await RunAsync(context, function, client, path);
        }
        finally
        {
            function.Activity.Exit();
        }
    }

    private async Task RunAsync(HttpContext context, FunctionInstance function, Edge.Functions.ClientInfo client, string path)
    {
        var request = context.Request;

        // 4. Deadline
        using var deadline = function.Timeout is { } timeout
            ? new CancellationTokenSource(timeout, function.Env.Time)
            : null;
        using var linked = deadline is null
            ? null
            : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        var aborted = linked?.Token ?? context.RequestAborted;
        var fetchContext = new FetchContext(function.Logger, client, background, aborted);

        // 5. Handler
        try
        {
            var result = await function.Handler.FetchAsync(request, function.Env, fetchContext);
            if (context.Response.HasStarted)
            {
                // The returned result is the response: a handler that wrote its own broke the contract, and a second
                // response cannot follow the first.
                LogWroteResponse(_logger, function.Name, request.Method, path);
                return;
            }

            if (result is null)
            {
                throw new InvalidOperationException($"Function '{function.Name}' returned no result: return the response as an IResult.");
            }

            await result.ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !context.RequestAborted.IsCancellationRequested)
        {
            LogDeadline(_logger, function.Name, function.Timeout!.Value);
            await FailAsync(context, StatusCodes.Status504GatewayTimeout, $"Function '{function.Name}' exceeded its time limit.");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; nothing to answer.
        }
        catch (Exception ex)
        {
            // 6. Containment: the error id ties the client's answer to the log line with the exception.
            var errorId = context.TraceIdentifier;
            LogHandlerFailed(_logger, function.Name, request.Method, path, errorId, ex);
            await FailAsync(context, StatusCodes.Status500InternalServerError, $"Function '{function.Name}' failed while handling the request (error id {errorId}).");
        }
    }

    private static async Task FailAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        try
        {
            await context.Response.WriteAsync(message + "\n", context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Function {Function} failed on {Method} {Path} (error id {ErrorId})")]
    private static partial void LogHandlerFailed(ILogger logger, string function, string method, string path, string errorId, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Function {Function} wrote the response to {Method} {Path} itself before returning its result; the result was not executed (return the response as an IResult)")]
    private static partial void LogWroteResponse(ILogger logger, string function, string method, string path);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Function {Function} exceeded its time limit of {Timeout}")]
    private static partial void LogDeadline(ILogger logger, string function, TimeSpan timeout);
}
