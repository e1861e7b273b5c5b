using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
    private const int CopyBufferSize = 64 * 1024;

    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
    };

    /// <summary>
    /// Forwards a public request to the tunnel its host and path map to.
    /// </summary>
    /// <remarks>
    /// 1. Ingress: the most specific rule; none or a private one → 404 "no tunnel route for host X".
    /// 2. Pick the live connection with the fewest requests in flight (round robin on ties) → 502 if none.
    /// 3. Send as HTTP/2 on that connection, request body streamed (no buffering), hop-by-hop headers removed,
    ///    X-Forwarded-For/-Proto/-Host set from the public client (incoming values are replaced, not trusted).
    /// 4. Retry on another connection (up to <see cref="TunnelRelayOptions.MaxAttempts"/>) only when the request
    ///    provably never reached an agent: see <see cref="NeverReachedAgent"/>.
    /// 5. Copy status, headers, body (flushed as it arrives, so SSE streams) and trailers; a client abort cancels the
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
        if (rule is null || rule.Private)
        {
            Interlocked.Increment(ref _noRoute);
            Log.NoRoute(_logger, Sanitize(host), path);
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"no tunnel route for host {host}");
            return;
        }

        var counters = _registry.Counters(rule.TunnelId);
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
        for (var attempt = 1; ; attempt++)
        {
            // 2. Connection.
            var connection = _registry.Pick(tunnelId, tried);
            if (connection is null)
            {
                var error = tried is null ? ForwardError.NoAgent : ForwardError.NoUsableConnection;
                Log.NoAgent(_logger, tunnelId, request.Method, Sanitize(request.Host.Host), path);
                await WriteTextAsync(context, StatusCodes.Status502BadGateway, error == ForwardError.NoAgent
                    ? $"tunnel {tunnelId} has no connected agent"
                    : $"tunnel {tunnelId}: no agent connection could take the request");
                return StatusCodes.Status502BadGateway;
            }

            // 3. Send.
            using var message = CreateRequestMessage(context, body);
            HttpResponseMessage response;
            connection.Enter();
            try
            {
                response = await connection.Invoker.SendAsync(message, aborted);
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested && attempt < _options.MaxAttempts && NeverReachedAgent(ex, body))
            {
                // 4. Never reached an agent: another connection may take it.
                connection.Exit();
                if (ex.InnerException is TunnelConnectionUnavailableException)
                {
                    _registry.Remove(connection);
                }

                (tried ??= []).Add(connection);
                Interlocked.Increment(ref counters.Retries);
                Log.Retrying(_logger, tunnelId, connection.Id, ex.Message, attempt + 1);
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
                var error = NeverReachedAgent(ex, body) ? ForwardError.NoUsableConnection : ForwardError.AgentRequestFailed;
                Log.ForwardFailed(_logger, tunnelId, request.Method, path, error, ex);
                await WriteTextAsync(context, StatusCodes.Status502BadGateway, $"tunnel {tunnelId}: the agent did not answer");
                return StatusCodes.Status502BadGateway;
            }

            // 5. Response.
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
    /// True only when the request cannot have reached an agent, so sending it again cannot run it twice:
    /// <list type="bullet">
    /// <item>no byte of the request body was read (a body read once cannot be replayed either), and</item>
    /// <item>the failure is our <see cref="TunnelConnectionUnavailableException"/> from <c>ConnectCallback</c>
    /// (SocketsHttpHandler calls it before writing any request byte; its own GOAWAY retries of unprocessed streams
    /// also end there once the connection is gone), or an HTTP/2 REFUSED_STREAM, which RFC 9113 §8.7 defines as
    /// "not processed".</item>
    /// </list>
    /// A connection reset or GOAWAY for a stream the server may have processed is NOT retried.
    /// </summary>
    internal static bool NeverReachedAgent(Exception exception, RequestBodyStream? body)
    {
        if (body is { Started: true })
        {
            return false;
        }

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
            message.Content = new StreamContent(body, CopyBufferSize);
        }

        CopyRequestHeaders(context, message, null);
        return message;
    }

    private static void CopyRequestHeaders(HttpContext context, HttpRequestMessage message, HashSet<string>? skip)
    {
        var request = context.Request;
        var connectionTokens = request.Headers.Connection;
        foreach (var (name, values) in request.Headers)
        {
            if (s_hopByHop.Contains(name) || name.StartsWith(':') || ListedIn(connectionTokens, name) || (skip?.Contains(name) ?? false))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // "TE: trailers" is the one TE value HTTP/2 allows (gRPC needs it).
        if (request.Headers.TE.ToString().Contains("trailers", StringComparison.OrdinalIgnoreCase))
        {
            message.Headers.TryAddWithoutValidation("TE", "trailers");
        }

        message.Headers.Host = request.Host.Value;
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", PeerOf(context));
        message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        message.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
    }

    private async Task<int> CopyResponseAsync(HttpContext context, HttpResponseMessage response, string tunnelId, string path, TunnelCounters counters)
    {
        var aborted = context.RequestAborted;
        var target = context.Response;
        target.StatusCode = (int)response.StatusCode;
        CopyResponseHeaders(response.Headers, target.Headers);
        CopyResponseHeaders(response.Content.Headers, target.Headers);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        try
        {
            // Headers go out at once: an SSE client sees the response start before the first event.
            await target.StartAsync(aborted);
            await using var upstream = await response.Content.ReadAsStreamAsync(aborted);

            // Read straight into the response pipe's memory: one copy fewer per byte than a buffer in between.
            var writer = target.BodyWriter;
            while (true)
            {
                int read;
                try
                {
                    read = await upstream.ReadAsync(writer.GetMemory(CopyBufferSize), aborted);
                }
                catch (Exception ex) when (!aborted.IsCancellationRequested)
                {
                    Log.ForwardFailed(_logger, tunnelId, context.Request.Method, path, ForwardError.AgentResponseFailed, ex);
                    context.Abort();
                    return (int)response.StatusCode;
                }

                if (read == 0)
                {
                    break;
                }

                Interlocked.Add(ref counters.BytesFromAgent, read);
                writer.Advance(read);
                var flushed = await writer.FlushAsync(aborted);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    // The client's side of the pipe is gone.
                    Interlocked.Increment(ref counters.ClientAborts);
                    Log.ClientAborted(_logger, tunnelId, context.Request.Method, path);
                    return StatusCodes.Status499ClientClosedRequest;
                }
            }

            if (response.TrailingHeaders.Any() && target.SupportsTrailers())
            {
                foreach (var (name, values) in response.TrailingHeaders)
                {
                    target.AppendTrailer(name, new StringValues([.. values]));
                }
            }

            return (int)response.StatusCode;
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // Disposing the response (by the caller) resets the upstream stream, so the origin stops too.
            Interlocked.Increment(ref counters.ClientAborts);
            Log.ClientAborted(_logger, tunnelId, context.Request.Method, path);
            return StatusCodes.Status499ClientClosedRequest;
        }
    }

    private static void CopyResponseHeaders(HttpHeaders source, IHeaderDictionary target)
    {
        foreach (var (name, values) in source.NonValidated)
        {
            if (s_hopByHop.Contains(name))
            {
                continue;
            }

            target[name] = new StringValues([.. values]);
        }
    }

    private static bool ListedIn(StringValues connectionHeader, string name)
    {
        foreach (var value in connectionHeader)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
