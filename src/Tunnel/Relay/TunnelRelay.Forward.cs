using System.Net;
using Edge.Forwarding;
using Edge.Tunnel.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
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
                var error = tried is null ? ForwardError.NoAgent : ForwardError.NoUsableConnection;
                Log.NoAgent(_logger, tunnelId, request.Method, Sanitize(request.Host.Host), path);
                await WriteTextAsync(context, StatusCodes.Status502BadGateway, error == ForwardError.NoAgent
                    ? $"tunnel {tunnelId} has no connected agent"
                    : $"tunnel {tunnelId}: no agent connection could take the request");
                return StatusCodes.Status502BadGateway;
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
                Log.Retrying(_logger, tunnelId, connection.Id, request.Method, path, ex.Message, attempt + 1);
                continue;
            }
            catch (Exception) when (aborted.IsCancellationRequested)
            {
                connection.Exit();
                Interlocked.Increment(ref counters.ClientAborts);
                Log.ClientAborted(_logger, tunnelId, request.Method, path);
                return StatusCodes.Status499ClientClosedRequest;
            }
            catch (Exception ex)
            {
                connection.Exit();
                var error = NeverReachedAgent(ex) && body is not { Started: true } ? ForwardError.NoUsableConnection : ForwardError.AgentRequestFailed;
                Log.ForwardFailed(_logger, tunnelId, request.Method, path, error, ex);
                await WriteTextAsync(context, StatusCodes.Status502BadGateway, $"tunnel {tunnelId}: the agent did not answer");
                return StatusCodes.Status502BadGateway;
            }

            // 6. Response.
            try
            {
                using (response)
                {
                    return await CopyResponseAsync(context, response, tunnelId, path, counters);
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
            message.Content = new StreamContent(body, ForwardingResponse.BufferSize);
        }

        CopyRequestHeaders(context, message, null);
        return message;
    }

    private static void CopyRequestHeaders(HttpContext context, HttpRequestMessage message, HashSet<string>? skip)
    {
        var request = context.Request;
        ForwardingHeaders.CopyRequestHeaders(request, message, skip);
        message.Headers.Host = request.Host.Value;
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", PeerOf(context));
        message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        message.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
    }

    private async Task<int> CopyResponseAsync(HttpContext context, HttpResponseMessage response, string tunnelId, string path, TunnelCounters counters)
    {
        var (outcome, error) = await ForwardingResponse.CopyAsync(context, response, read => Interlocked.Add(ref counters.BytesFromAgent, read));
        switch (outcome)
        {
            case ResponseCopyOutcome.UpstreamFailed:
                Log.ForwardFailed(_logger, tunnelId, context.Request.Method, path, ForwardError.AgentResponseFailed, error!);
                return (int)response.StatusCode;
            case ResponseCopyOutcome.ClientAborted:
                // Disposing the response (by the caller) resets the upstream stream, so the origin stops too.
                Interlocked.Increment(ref counters.ClientAborts);
                Log.ClientAborted(_logger, tunnelId, context.Request.Method, path);
                return StatusCodes.Status499ClientClosedRequest;
            default:
                return (int)response.StatusCode;
        }
    }
}
