using System.Net;
using System.Security.Cryptography;
using System.Text;
using Edge.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
    // Besides the access token: the client's HTTP/1.1 handshake keys, which HTTP/2's extended CONNECT does without.
    private static readonly HashSet<string> s_webSocketRequestSkip = new(StringComparer.OrdinalIgnoreCase)
    {
        TunnelProtocol.AccessTokenHeader, "Sec-WebSocket-Key", "Sec-WebSocket-Version",
    };

    private static bool IsWebSocketUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        && context.Request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase)
        && context.Request.Headers.ContainsKey("Sec-WebSocket-Key");

    /// <summary>
    /// A public HTTP/1.1 WebSocket upgrade, carried to the agent as an HTTP/2 extended CONNECT (RFC 8441).
    /// </summary>
    /// <remarks>
    /// 1. Send <c>CONNECT</c> with <c>:protocol websocket</c> on a tunnel connection (same choice and retry rule as
    ///    other requests: the public request is a GET without a body, so a handshake whose connection failed before
    ///    any answer is sent again).
    /// 2. Not 200: the agent's answer goes to the client as an ordinary response.
    /// 3. 200: answer the client 101 with the Sec-WebSocket-Accept its key calls for, then copy bytes both ways until
    ///    either side ends; WebSocket framing is end to end, the relay never parses it.
    /// </remarks>
    private async Task<int> ForwardWebSocketAsync(HttpContext context, string tunnelId, string path, TunnelCounters counters)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;
        List<RelayConnection>? tried = null;
        string? failedAgent = null;
        for (var attempt = 1; ; attempt++)
        {
            var connection = _registry.Pick(tunnelId, tried, avoidAgent: failedAgent);
            if (connection is null)
            {
                return await FailAsync(context, new ForwardingFailure(ForwardingError.NoUpstream, StatusCodes.Status502BadGateway, $"tunnel {tunnelId} has no connected agent", null), tunnelId, counters);
            }

            // 1. Extended CONNECT.
            using var message = new HttpRequestMessage(HttpMethod.Connect, new Uri(string.Concat("http://edge-tunnel", request.PathBase.Add(request.Path).ToUriComponent(), request.QueryString.ToUriComponent())))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            message.Headers.Protocol = "websocket";
            CopyRequestHeaders(context, message, s_webSocketRequestSkip);
            message.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");

            HttpResponseMessage response;
            connection.Enter();
            try
            {
                response = await connection.Invoker.SendAsync(message, aborted);
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested && attempt < _options.MaxAttempts
                && RetryRule.MaySendAgain(context.Request, NeverReachedAgent(ex), bodyStarted: false))
            {
                // The handshake failed before any answer: the same rule as for plain requests.
                connection.Exit();
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
                    : ForwardingFailure.FromException(ex, Upstream(tunnelId));
                return await FailAsync(context, failure, tunnelId, counters);
            }

            try
            {
                using (response)
                {
                    // 2. Refused by the origin.
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return await CopyResponseAsync(context, response, tunnelId, counters);
                    }

                    // 3. Upgrade the client and splice.
                    await using var agentStream = await response.Content.ReadAsStreamAsync(aborted);
                    HeaderPolicy.CopyResponseHeaders(response, context.Response);
                    context.Response.Headers.Upgrade = "websocket";
                    context.Response.Headers["Sec-WebSocket-Accept"] = AcceptKey(request.Headers["Sec-WebSocket-Key"].ToString());
                    var clientStream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
                    await RelayResponse.SpliceAsync(
                        clientStream,
                        agentStream,
                        read => Interlocked.Add(ref counters.BytesToAgent, read),
                        read => Interlocked.Add(ref counters.BytesFromAgent, read),
                        aborted);
                    return StatusCodes.Status101SwitchingProtocols;
                }
            }
            finally
            {
                connection.Exit();
            }
        }
    }

#pragma warning disable CA5350 // RFC 6455 defines Sec-WebSocket-Accept with SHA-1; it is not used for security here.
    private static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
}
