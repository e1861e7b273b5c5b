using System.Net;
using System.Net.WebSockets;
using System.Text;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// A local web app exposed through the tunnel with <c>builtin:http-proxy</c>: public client → `edge relay` →
/// `edge serve` agent → origin, all real processes (the origin is a Kestrel app in the test process).
/// </summary>
public sealed class TunnelStreamingTests
{
    private const string PublicHost = "app.tunnel.test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(WebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        for (var frames = 0; frames < 10_000; frames++)
        {
            var frame = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Bound);
            message.Write(buffer, 0, frame.Count);
            if (frame.EndOfMessage || frame.MessageType == WebSocketMessageType.Close)
            {
                return (frame.MessageType, message.ToArray());
            }
        }

        throw new InvalidOperationException("A message of more than 10000 frames.");
    }

    [Fact]
    public async Task WebSocket_ThroughRelayAndAgent_TextAndBinaryEchoIntactAndCloseStatusReturns()
    {
        await using var origin = await TunnelOrigin.StartAsync();
        await using var relay = await TunnelSetup.Relay(PublicHost).StartAsync();
        await using var agent = await TunnelSetup.HttpProxyAgent(relay, origin.Url).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agent, HttpStatusCode.OK));
        using var invoker = new HttpMessageInvoker(TunnelSetup.RelayHandler(relay));
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("echo.v1");

        await client.ConnectAsync(TunnelSetup.PublicUri(relay, PublicHost, "/ws", "ws"), invoker, CancellationToken.None).WaitAsync(Bound);
        var binary = new byte[512 * 1024];
        new Random(7).NextBytes(binary);
        var texts = new List<string>();
        var binaries = new List<byte[]>();
        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes($"message {i} ünïcødé"), WebSocketMessageType.Text, true, CancellationToken.None);
            var text = await ReceiveMessageAsync(client);
            Assert.Equal(WebSocketMessageType.Text, text.Type);
            texts.Add(Encoding.UTF8.GetString(text.Data));
            var size = 1 << (4 * i);
            await client.SendAsync(binary.AsMemory(0, size), WebSocketMessageType.Binary, true, CancellationToken.None);
            var echoed = await ReceiveMessageAsync(client);
            Assert.Equal(WebSocketMessageType.Binary, echoed.Type);
            binaries.Add(echoed.Data);
        }

        // The largest message goes out in two fragments and comes back whole.
        await client.SendAsync(binary.AsMemory(0, 200_000), WebSocketMessageType.Binary, false, CancellationToken.None);
        await client.SendAsync(binary.AsMemory(200_000), WebSocketMessageType.Binary, true, CancellationToken.None);
        var large = await ReceiveMessageAsync(client);
        await client.CloseAsync((WebSocketCloseStatus)4100, "tunnel-done", CancellationToken.None).WaitAsync(Bound);
        var originSaw = await origin.WebSocketClientClose.Task.WaitAsync(Bound);

        Assert.Equal("echo.v1", client.SubProtocol);
        for (var i = 0; i < 5; i++)
        {
            // The agent received the session as HTTP/2 extended CONNECT; the origin saw an HTTP/1.1 upgrade.
            Assert.Equal($"HTTP/1.1 message {i} ünïcødé", texts[i]);
            Assert.Equal(binary[..(1 << (4 * i))], binaries[i]);
        }

        Assert.Equal(binary, large.Data);
        Assert.Equal(((WebSocketCloseStatus)4100, "tunnel-done"), originSaw);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal((WebSocketCloseStatus)4100, client.CloseStatus);
        Assert.Equal("tunnel-done", client.CloseStatusDescription);
    }

    [Fact]
    public async Task Sse_ThroughRelayAndAgent_FirstEventArrivesWhileOriginHoldsTheStreamOpen()
    {
        await using var origin = await TunnelOrigin.StartAsync();
        await using var relay = await TunnelSetup.Relay(PublicHost).StartAsync();
        await using var agent = await TunnelSetup.HttpProxyAgent(relay, origin.Url).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agent, HttpStatusCode.OK));
        using var http = new HttpClient(TunnelSetup.RelayHandler(relay)) { Timeout = Bound };

        using var response = await http.GetAsync(TunnelSetup.PublicUri(relay, PublicHost, "/sse"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);
        var first = new[]
        {
            await reader.ReadLineAsync().WaitAsync(Bound),
            await reader.ReadLineAsync().WaitAsync(Bound),
            await reader.ReadLineAsync().WaitAsync(Bound),
        };
        // Read before the origin may send anything more: the event crossed relay and agent unbuffered.
        var heldOpen = !origin.SseGate.Task.IsCompleted;
        origin.SseGate.SetResult();
        var rest = await reader.ReadToEndAsync().WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("id: 1|data: first|", string.Join("|", first));
        Assert.True(heldOpen);
        Assert.Equal("id: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n", rest);
    }

    [Fact]
    public async Task Get_ThroughRelayAndAgent_OriginSeesPublicHostAndClient()
    {
        await using var origin = await TunnelOrigin.StartAsync();
        await using var relay = await TunnelSetup.Relay(PublicHost).StartAsync();
        await using var agent = await TunnelSetup.HttpProxyAgent(relay, origin.Url).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agent, HttpStatusCode.OK));
        using var http = new HttpClient(TunnelSetup.RelayHandler(relay)) { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Get, TunnelSetup.PublicUri(relay, PublicHost, "/echo"));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.7");

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"host={PublicHost}:{relay.Port}\nxff=127.0.0.1\nxfproto=http\nxfhost={PublicHost}:{relay.Port}\n", text);
    }
}
