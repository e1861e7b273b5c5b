using System.Buffers;
using System.Net.WebSockets;
using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy;

/// <summary>Carries one WebSocket session between the client and the origin, message frame by message frame.</summary>
/// <remarks>
/// 1. Open the origin's WebSocket first (ClientWebSocket over the environment's invoker, the client's subprotocols
///    offered, its end-to-end headers passed), bounded by <see cref="HttpProxyOptions.ResponseTimeout"/>. A refusal
///    goes to the client with the origin's status; a failure to connect is a 502/504.
/// 2. Accept the client's WebSocket (an HTTP/1.1 upgrade or an HTTP/2 extended CONNECT, which is how sessions arrive
///    through the tunnel) with the subprotocol the origin chose.
/// 3. Pump both ways without reassembling messages: each frame goes out as it came in (type and end-of-message kept).
/// 4. A close from either side is forwarded with its status and description; the other side's answering close is
///    awaited for at most <see cref="HttpProxyOptions.WebSocketCloseTimeout"/>. A broken side aborts the other.
/// </remarks>
internal sealed class WebSocketBridge(HttpMessageInvoker http, OriginTarget origin, HttpProxyOptions options, TimeProvider time, ILogger logger)
{
    private const int BufferSize = 16 * 1024;

    public async Task<(int Status, long BytesIn, long BytesOut)> BridgeAsync(HttpContext context, IFetchContext ctx)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var aborted = ctx.Aborted;

        // 1. Origin
        using var originSocket = new ClientWebSocket();
        originSocket.Options.CollectHttpResponseDetails = true;
        foreach (var protocol in context.WebSockets.WebSocketRequestedProtocols)
        {
            originSocket.Options.AddSubProtocol(protocol);
        }

        foreach (var (name, value) in ProxyHeaders.WebSocketRequest(request, origin.HostFor(request), ctx.Client))
        {
            originSocket.Options.SetRequestHeader(name, value);
        }

        using (var timer = new OriginTimer(options.ResponseTimeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timer.Token))
        {
            try
            {
                await originSocket.ConnectAsync(origin.TargetFor(request, webSocket: true), http, linked.Token);
            }
            catch (Exception) when (aborted.IsCancellationRequested)
            {
                aborted.ThrowIfCancellationRequested();
                throw;
            }
            catch (WebSocketException) when (originSocket.HttpStatusCode != 0)
            {
                var status = (int)originSocket.HttpStatusCode;
                HttpProxyLog.WebSocketRefused(logger, path, status);
                if (originSocket.HttpResponseHeaders is { } headers)
                {
                    ProxyHeaders.CopyResponse(headers, context.Response.Headers);
                }

                // 101 with a bad handshake, or a 2xx that is not an upgrade: the origin did not speak WebSocket.
                var refusal = status is >= 200 and < 300 or StatusCodes.Status101SwitchingProtocols ? StatusCodes.Status502BadGateway : status;
                await HttpForwarder.WriteErrorAsync(context.Response, refusal, $"The origin refused the WebSocket handshake ({status}).", aborted);
                return (refusal, 0, 0);
            }
            catch (Exception ex)
            {
                var failure = OriginFailure.From(ex, timer.Expired, options.ResponseTimeout);
                HttpProxyLog.OriginFailed(logger, request.Method, path, origin.Uri, failure.Error, failure.Reason, failure.Status, HttpForwarder.Describe(ex));
                var title = failure.Status == StatusCodes.Status504GatewayTimeout ? "Gateway timeout" : "Bad gateway";
                await HttpForwarder.WriteErrorAsync(context.Response, failure.Status, $"{title}: {failure.Reason}.", aborted);
                return (failure.Status, 0, 0);
            }
        }

        // 2. Client
        var started = time.GetTimestamp();
        using var clientSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = originSocket.SubProtocol });

        // 3. Pump
        var up = new Pump(clientSocket, originSocket);
        var down = new Pump(originSocket, clientSocket);
        var upTask = up.RunAsync(aborted);
        var downTask = down.RunAsync(aborted);
        var first = await Task.WhenAny(upTask, downTask);
        if (first.IsCompletedSuccessfully)
        {
            // 4. A close went one way; its answer comes the other way.
            var other = first == upTask ? downTask : upTask;
            try
            {
                await other.WaitAsync(options.WebSocketCloseTimeout, time, aborted);
            }
            catch (TimeoutException)
            {
                HttpProxyLog.WebSocketDropped(logger, path, $"no answer to the close within {options.WebSocketCloseTimeout.TotalSeconds:0.###} s");
            }
            catch (Exception)
            {
                // Reported below from the pump itself.
            }
        }

        if (!upTask.IsCompletedSuccessfully || !downTask.IsCompletedSuccessfully)
        {
            clientSocket.Abort();
            originSocket.Abort();
            var failed = upTask.IsFaulted ? upTask : downTask.IsFaulted ? downTask : null;
            if (failed?.Exception is { } error && !aborted.IsCancellationRequested)
            {
                HttpProxyLog.WebSocketDropped(logger, path, HttpForwarder.Describe(error.GetBaseException()));
            }
        }

        try
        {
            await Task.WhenAll(upTask, downTask);
        }
        catch (Exception)
        {
            // Both sockets are aborted by now; what broke was logged above.
        }

        HttpProxyLog.WebSocketClosed(logger, path, Describe(clientSocket), Describe(originSocket), up.Bytes, down.Bytes, time.GetElapsedTime(started).TotalMilliseconds);
        aborted.ThrowIfCancellationRequested();
        return (StatusCodes.Status101SwitchingProtocols, up.Bytes, down.Bytes);
    }

    private static string Describe(WebSocket socket) => socket.CloseStatus is { } status
        ? $"{(int)status}{(string.IsNullOrEmpty(socket.CloseStatusDescription) ? "" : " " + socket.CloseStatusDescription)}"
        : socket.State.ToString().ToLowerInvariant();

    /// <summary>One direction of the session.</summary>
    private sealed class Pump(WebSocket source, WebSocket destination)
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        /// <summary>Copies frames until a close arrives (forwarded) or either side fails (thrown).</summary>
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                while (true)
                {
                    var frame = await source.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                    if (frame.MessageType == WebSocketMessageType.Close)
                    {
                        if (destination.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        {
                            // No status on the wire (1005) goes on as no status; the description travels with a status only.
                            var status = source.CloseStatus ?? WebSocketCloseStatus.Empty;
                            var description = status == WebSocketCloseStatus.Empty ? null : source.CloseStatusDescription;
                            await destination.CloseOutputAsync(status, description, cancellationToken);
                        }

                        return;
                    }

                    await destination.SendAsync(buffer.AsMemory(0, frame.Count), frame.MessageType, frame.EndOfMessage, cancellationToken);
                    Interlocked.Add(ref _bytes, frame.Count);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
