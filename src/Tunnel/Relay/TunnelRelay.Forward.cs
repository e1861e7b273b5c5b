using System.Net;
using Edge.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
    // Only the relay may see an access token: it never goes on to an agent.
    private static readonly HashSet<string> s_tokenHeader = new(StringComparer.OrdinalIgnoreCase) { TunnelProtocol.AccessTokenHeader };

    /// <summary>
    /// Forwards a public request to the tunnel its host and path map to.
    /// </summary>
    /// <remarks>
    /// 1. Ingress: the most specific rule; none → 404 "no tunnel route for host X".
    /// 2. Access: a private rule (or no rule) with an <see cref="TunnelProtocol.AccessTokenHeader"/> goes through
    ///    <see cref="AuthorizeAccessAsync"/> (403 for a wrong token or one that does not cover the host); without the
    ///    header a private rule answers exactly as an unknown host. Public rules ignore the header.
    /// 3. Pick the live connection with the fewest requests in flight (round robin on ties) → 502 if none.
    /// 4. Send as HTTP/2 on that connection, request body streamed (no buffering), hop-by-hop headers and the access
    ///    token removed, X-Forwarded-For/-Proto/-Host set from the public client (incoming values are replaced).
    /// 5. Retry on another connection (up to <see cref="TunnelRelayOptions.MaxAttempts"/>), preferring another agent,
    ///    under <see cref="RetryRule"/>: only before any response byte reached the client, and only when the request
    ///    provably never reached an agent (<see cref="NeverReachedAgent"/>, no body byte read) or it is a GET, HEAD or
    ///    OPTIONS without a body.
    /// 6. Copy status, headers, body (flushed as it arrives, so SSE streams) and trailers; a client abort cancels the
    ///    upstream stream (RST_STREAM reaches the agent); an upstream break aborts the client's response.
    /// The relay's drain waits for every forward in flight (TunnelRelay.Shutdown.cs); one arriving after it → 503.
    /// </remarks>
    public async Task ForwardAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var forwarding = TrackForward();
        if (_closed)
        {
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "relay is stopping");
            return;
        }

        var request = context.Request;
        var host = request.Host.Host;
        var path = request.PathBase.Add(request.Path).Value ?? "/";

        // 1. Ingress.
        var rule = _ingress.Match(host, path.Length == 0 ? "/" : path);
        string? access = null;
        if (rule is not { Private: false })
        {
            // 2. Access (the same 404 as an unknown host unless a valid token covers the host).
            if (request.Headers.ContainsKey(TunnelProtocol.AccessTokenHeader))
            {
                access = await AuthorizeAccessAsync(context, rule, host, path);
                if (access is null)
                {
                    return;
                }
            }

            if (rule is null || access is null)
            {
                Interlocked.Increment(ref _noRoute);
                Log.NoRoute(_logger, Sanitize(host), path);
                await WriteTextAsync(context, StatusCodes.Status404NotFound, $"no tunnel route for host {host}");
                return;
            }
        }

        var counters = _registry.Counters(rule.TunnelId);
        if (access is not null)
        {
            Interlocked.Increment(ref counters.AccessRequests);
            Log.AccessGranted(_logger, access, request.Method, Sanitize(host), path);
        }

        Interlocked.Increment(ref counters.Requests);
        Interlocked.Increment(ref counters.InFlight);
        try
        {
            var status = IsWebSocketUpgrade(context)
                ? await ForwardWebSocketAsync(context, rule.TunnelId, path, counters)
                : await ForwardToTunnelAsync(context, rule.TunnelId, path, counters);
            counters.CountStatus(status);
        }
        finally
        {
            Interlocked.Decrement(ref counters.InFlight);
        }
    }

    private async Task<int> ForwardToTunnelAsync(HttpContext context, string tunnelId, string path, TunnelCounters counters)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;

        // The relay streams; the agent's server enforces its own body limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = null;
        }

        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        var body = hasBody ? new RequestBodyStream(request.Body, counters) : null;
        List<RelayConnection>? tried = null;
        string? failedAgent = null;
        for (var attempt = 1; ; attempt++)
        {
            // 3. Connection.
            var connection = _registry.Pick(tunnelId, tried, avoidAgent: failedAgent);
            if (connection is null)
            {
                var failure = new ForwardingFailure(
                    ForwardingError.NoUpstream,
                    StatusCodes.Status502BadGateway,
                    tried is null ? $"tunnel {tunnelId} has no connected agent" : $"no agent connection of tunnel {tunnelId} could take the request",
                    null);
                return await FailAsync(context, failure, tunnelId, counters);
            }

            // 4. Send.
            using var message = CreateRequestMessage(context, body);
            HttpResponseMessage response;
            connection.Enter();
            try
            {
                response = await connection.Invoker.SendAsync(message, aborted);
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested && attempt < _options.MaxAttempts
                && RetryRule.MaySendAgain(request, NeverReachedAgent(ex), body?.Started ?? false))
            {
                // 5. Safe to send again: another connection (of another agent, when there is one) may take it.
                connection.Exit();
                if (ex.InnerException is TunnelConnectionUnavailableException)
                {
                    _registry.Remove(connection);
                }

                (tried ??= []).Add(connection);
                failedAgent = connection.AgentId;
                Interlocked.Increment(ref counters.Retries);
                ForwardingLog.Retrying(_logger, request.Method, path, Upstream(tunnelId), attempt, ForwardingFailure.FromException(ex, Upstream(tunnelId)).Error, ForwardingFailure.Describe(ex));
                continue;
            }
            catch (Exception ex)
            {
                connection.Exit();
                var failure = aborted.IsCancellationRequested
                    ? new ForwardingFailure(ForwardingError.ClientAborted, StatusCodes.Status499ClientClosedRequest, "the client went away", ex)
                    : NeverReachedAgent(ex) && body is not { Started: true }
                        ? new ForwardingFailure(ForwardingError.NoUpstream, StatusCodes.Status502BadGateway, $"no agent connection of tunnel {tunnelId} could take the request", ex)
                        : ForwardingFailure.FromException(ex, Upstream(tunnelId));
                return await FailAsync(context, failure, tunnelId, counters);
            }

            // 6. Response.
            try
            {
                using (response)
                {
                    return await CopyResponseAsync(context, response, tunnelId, counters);
                }
            }
            finally
            {
                connection.Exit();
            }
        }
    }

    /// <summary>
    /// True only when the failure proves the request never reached an agent, so sending it again cannot run it twice
    /// (the caller also requires that no byte of its body was read: a body read once cannot be replayed):
    /// our <see cref="TunnelConnectionUnavailableException"/> from <c>ConnectCallback</c> (SocketsHttpHandler calls it
    /// before writing any request byte; its own GOAWAY retries of unprocessed streams also end there once the
    /// connection is gone), or an HTTP/2 REFUSED_STREAM, which RFC 9113 §8.7 defines as "not processed".
    /// A connection reset or GOAWAY for a stream the agent may have processed does not prove it.
    /// </summary>
    internal static bool NeverReachedAgent(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TunnelConnectionUnavailableException)
            {
                return true;
            }

            if (e is HttpProtocolException { ErrorCode: 0x7 })
            {
                return true;
            }
        }

        return false;
    }

    private static HttpRequestMessage CreateRequestMessage(HttpContext context, RequestBodyStream? body)
    {
        var request = context.Request;

        // A fixed authority keeps every request of this connection in the handler's one pool (the callback can hand
        // out its stream once); the public host travels in :authority via the Host header.
        var uri = new Uri(string.Concat("http://edge-tunnel", request.PathBase.Add(request.Path).ToUriComponent(), request.QueryString.ToUriComponent()));
        var message = new HttpRequestMessage(new HttpMethod(request.Method), uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (body is not null)
        {
            message.Content = new StreamContent(body, RelayResponse.BufferSize);
        }

        CopyRequestHeaders(context, message, s_tokenHeader);
        return message;
    }

    /// <summary>The forwarding core's header policy, the public client as the trusted client (the relay trusts no
    /// proxy in front of it), and the access token never passed on.</summary>
    private static void CopyRequestHeaders(HttpContext context, HttpRequestMessage message, IReadOnlySet<string> alsoRemove) =>
        HeaderPolicy.CopyRequestHeaders(context.Request, message, context.Request.Host.Value, TrustedClient.FromConnection(context), alsoRemove);

    /// <summary>The tunnel as the public and the log may read it.</summary>
    private static string Upstream(string tunnelId) => $"the agent of tunnel {tunnelId}";

    /// <summary>One failure: its log line, counted, and answered (an error response, or the client's response aborted).</summary>
    private async Task<int> FailAsync(HttpContext context, ForwardingFailure failure, string tunnelId, TunnelCounters counters)
    {
        if (failure.Error == ForwardingError.ClientAborted)
        {
            Interlocked.Increment(ref counters.ClientAborts);
        }

        failure.Log(_logger, context.Request, $"tunnel {tunnelId}");
        await failure.RespondAsync(context);
        return failure.Error == ForwardingError.ResponseBroken && context.Response.HasStarted ? context.Response.StatusCode : failure.Status;
    }

    private async Task<int> CopyResponseAsync(HttpContext context, HttpResponseMessage response, string tunnelId, TunnelCounters counters)
    {
        var (outcome, error) = await RelayResponse.CopyAsync(context, response, read => Interlocked.Add(ref counters.BytesFromAgent, read));
        switch (outcome)
        {
            case ResponseCopyOutcome.UpstreamFailed:
                // The client's response was aborted already: it cannot look complete.
                await FailAsync(context, new ForwardingFailure(ForwardingError.ResponseBroken, StatusCodes.Status502BadGateway, $"{Upstream(tunnelId)} broke off its response", error), tunnelId, counters);
                return (int)response.StatusCode;
            case ResponseCopyOutcome.ClientAborted:
                // Disposing the response (by the caller) resets the upstream stream, so the origin stops too.
                return await FailAsync(context, new ForwardingFailure(ForwardingError.ClientAborted, StatusCodes.Status499ClientClosedRequest, "the client went away", error), tunnelId, counters);
            default:
                return (int)response.StatusCode;
        }
    }
}
