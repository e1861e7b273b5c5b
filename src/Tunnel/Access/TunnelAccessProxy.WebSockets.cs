using System.Net;
using Edge.Tunnel.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Access;

public sealed partial class TunnelAccessProxy
{
    private static bool IsWebSocketUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        && context.Request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase)
        && context.Request.Headers.ContainsKey("Sec-WebSocket-Key");

    /// <summary>
    /// A local HTTP/1.1 WebSocket upgrade, sent on to the relay as the same HTTP/1.1 upgrade.
    /// </summary>
    /// <remarks>
    /// 1. <c>GET</c> with <c>Connection: Upgrade</c>, <c>Upgrade: websocket</c> and the client's
    ///    <c>Sec-WebSocket-*</c> headers (the relay answers with the <c>Sec-WebSocket-Accept</c> for the client's key).
    /// 2. Not 101: the relay's answer goes to the client as an ordinary response (a 403 or 404 from the relay, say).
    /// 3. 101: answer the client 101 with the relay's headers, then copy bytes both ways until either side ends.
    /// </remarks>
    private async Task ForwardWebSocketAsync(HttpContext context)
    {
        var request = context.Request;

        // 1. Upgrade request.
        using var message = CreateMessage(context, HttpMethod.Get);
        AddHeaders(context, message);
        message.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        message.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        var response = await SendAsync(context, message);
        if (response is null)
        {
            return;
        }

        using (response)
        {
            // 2. Refused.
            if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
            {
                await CopyResponseAsync(context, response);
                return;
            }

            // 3. Upgrade the client and splice.
            await using var relayStream = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            ForwardingHeaders.CopyResponseHeaders(response.Headers, context.Response.Headers);
            context.Response.Headers.Upgrade = "websocket";
            var clientStream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
            Log.WebSocketOpened(_logger, request.Path.Value ?? "/");
            await ForwardingResponse.SpliceAsync(clientStream, relayStream, null, null, context.RequestAborted);
            Log.WebSocketClosed(_logger, request.Path.Value ?? "/");
        }
    }
}
