using System.Net;
using System.Net.WebSockets;
using System.Text;
using Edge.HttpProxy.Tests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.HttpProxy.Tests;

public sealed class WebSocketTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static Uri WebSocketUri(ProxyHost proxy, string path) => new($"ws://127.0.0.1:{proxy.Url.Port}{path}");

    private static async Task<(WebSocketMessageType Type, byte[] Data, int Frames)> ReceiveMessageAsync(WebSocket socket)
    {
        var buffer = new byte[8 * 1024];
        using var message = new MemoryStream();
        var frames = 0;
        while (true)
        {
            var frame = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Bound);
            frames++;
            message.Write(buffer, 0, frame.Count);
            if (frame.EndOfMessage || frame.MessageType == WebSocketMessageType.Close)
            {
                return (frame.MessageType, message.ToArray(), frames);
            }
        }
    }

    [Fact]
    public async Task WebSocket_TextAndBinaryMessages_EchoIntactWithSubprotocolHeadersAndCloseStatus()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("chat.v2");
        client.Options.AddSubProtocol("chat.v1");
        client.Options.SetRequestHeader("X-Custom", "kept");
        client.Options.SetRequestHeader("X-Forwarded-For", "203.0.113.9");

        await client.ConnectAsync(WebSocketUri(proxy, "/ws"), CancellationToken.None).WaitAsync(Bound);
        var binary = new byte[300 * 1024];
        Random.Shared.NextBytes(binary);
        var received = new List<(WebSocketMessageType Type, byte[] Data)>();
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes($"hello {i} ✓"), WebSocketMessageType.Text, true, CancellationToken.None);
            var text = await ReceiveMessageAsync(client);
            received.Add((text.Type, text.Data));
            await client.SendAsync(binary.AsMemory(0, 1000 * (i + 1)), WebSocketMessageType.Binary, true, CancellationToken.None);
            var bin = await ReceiveMessageAsync(client);
            received.Add((bin.Type, bin.Data));
        }

        // A message sent in three fragments comes back whole (the bridge forwards frames, never reassembles).
        await client.SendAsync(binary.AsMemory(0, 100 * 1024), WebSocketMessageType.Binary, false, CancellationToken.None);
        await client.SendAsync(binary.AsMemory(100 * 1024, 100 * 1024), WebSocketMessageType.Binary, false, CancellationToken.None);
        await client.SendAsync(binary.AsMemory(200 * 1024), WebSocketMessageType.Binary, true, CancellationToken.None);
        var large = await ReceiveMessageAsync(client);
        await client.CloseAsync((WebSocketCloseStatus)4000, "client-done", CancellationToken.None).WaitAsync(Bound);
        var originSaw = await origin.WebSocketClientClose.Task.WaitAsync(Bound);

        Assert.Equal("chat.v2", client.SubProtocol);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(WebSocketMessageType.Text, received[2 * i].Type);
            Assert.Equal($"hello {i} ✓", Encoding.UTF8.GetString(received[2 * i].Data));
            Assert.Equal(WebSocketMessageType.Binary, received[(2 * i) + 1].Type);
            Assert.Equal(binary[..(1000 * (i + 1))], received[(2 * i) + 1].Data);
        }

        Assert.Equal(WebSocketMessageType.Binary, large.Type);
        Assert.Equal(binary, large.Data);
        Assert.Equal(((WebSocketCloseStatus)4000, "client-done"), originSaw);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal((WebSocketCloseStatus)4000, client.CloseStatus);
        Assert.Equal("client-done", client.CloseStatusDescription);
        var headers = origin.WebSocketHandshakeHeaders!;
        Assert.Equal("kept", headers["X-Custom"].ToString());
        Assert.Equal("127.0.0.1", headers["X-Forwarded-For"].ToString());
        Assert.Equal($"127.0.0.1:{proxy.Url.Port}", headers.Host.ToString());
        Assert.Equal("chat.v2, chat.v1", headers["Sec-WebSocket-Protocol"].ToString());
    }

    [Fact]
    public async Task WebSocket_OriginCloses_ClientGetsItsStatusAndDescription()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUri(proxy, "/ws-close"), CancellationToken.None).WaitAsync(Bound);

        await client.SendAsync("bye?"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var close = await ReceiveMessageAsync(client);
        await client.CloseOutputAsync(client.CloseStatus!.Value, client.CloseStatusDescription, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Close, close.Type);
        Assert.Equal((WebSocketCloseStatus)4001, client.CloseStatus);
        Assert.Equal("origin-bye", client.CloseStatusDescription);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Fact]
    public async Task WebSocket_OriginRefusesHandshake_ClientGetsOriginStatusAndChallenge()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(WebSocketUri(proxy, "/ws-refuse"), CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(HttpStatusCode.Unauthorized, client.HttpStatusCode);
        Assert.Equal("Bearer realm=\"test\"", client.HttpResponseHeaders!["WWW-Authenticate"].Single());
    }

    [Fact]
    public async Task WebSocket_OriginDown_502()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var proxy = await ProxyHost.StartAsync($"http://127.0.0.1:{port}");
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(WebSocketUri(proxy, "/ws"), CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(HttpStatusCode.BadGateway, client.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocket_PermessageDeflateOffered_NegotiatedWithTheOriginEndToEnd()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions { ClientMaxWindowBits = 14 };

        await client.ConnectAsync(WebSocketUri(proxy, "/ws"), CancellationToken.None).WaitAsync(Bound);
        var text = string.Concat(Enumerable.Repeat("compressible ", 5000));
        await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        var echo = await ReceiveMessageAsync(client);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Bound);

        // The origin saw the client's offer, and the client got the origin's answer: the proxy negotiated nothing itself.
        var offer = origin.WebSocketHandshakeHeaders!["Sec-WebSocket-Extensions"].ToString();
        Assert.StartsWith("permessage-deflate", offer, StringComparison.Ordinal);
        Assert.Contains("client_max_window_bits=14", offer, StringComparison.Ordinal);
        var answer = Assert.Single(client.HttpResponseHeaders!["Sec-WebSocket-Extensions"]);
        Assert.StartsWith("permessage-deflate", answer, StringComparison.Ordinal);
        Assert.Equal(text, Encoding.UTF8.GetString(echo.Data));
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Theory]
    [InlineData(false, "HTTP/1.1")]
    [InlineData(true, "HTTP/2")]
    public async Task WebSocket_Http2ExtendedConnectFromClient_ReachesOriginWithDeflateAndEchoes(bool h2cOrigin, string originProtocol)
    {
        using var authority = TestCertificateAuthority.Create();
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = h2cOrigin
            ? await ProxyHost.StartAsync(origin.H2cUrl, null, authority, ("H2c", "true"))
            : await ProxyHost.StartAsync(origin.Url, null, authority);
        using var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => authority.Validates(certificate, errors, chain);
        using var invoker = new HttpMessageInvoker(handler);
        using var client = new ClientWebSocket();
        client.Options.HttpVersion = HttpVersion.Version20;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        client.Options.CollectHttpResponseDetails = true;
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        client.Options.AddSubProtocol("chat.v1");

        await client.ConnectAsync(new Uri($"wss://127.0.0.1:{proxy.Url.Port}/ws"), invoker, CancellationToken.None).WaitAsync(Bound);
        var received = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes($"over h2 {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            received.Add(Encoding.UTF8.GetString((await ReceiveMessageAsync(client)).Data));
        }

        await client.CloseAsync((WebSocketCloseStatus)4000, "h2-done", CancellationToken.None).WaitAsync(Bound);
        var originSaw = await origin.WebSocketClientClose.Task.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, client.HttpStatusCode);
        Assert.Equal(["over h2 0", "over h2 1", "over h2 2"], received);
        Assert.Equal("chat.v1", client.SubProtocol);
        Assert.Equal(originProtocol, origin.WebSocketHandshakeProtocol);
        Assert.StartsWith("permessage-deflate", origin.WebSocketHandshakeHeaders!["Sec-WebSocket-Extensions"].ToString(), StringComparison.Ordinal);
        Assert.StartsWith("permessage-deflate", Assert.Single(client.HttpResponseHeaders!["Sec-WebSocket-Extensions"]), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", origin.WebSocketHandshakeHeaders["X-Forwarded-For"].ToString());
        Assert.Equal("https", origin.WebSocketHandshakeHeaders["X-Forwarded-Proto"].ToString());
        Assert.Equal(((WebSocketCloseStatus)4000, "h2-done"), originSaw);
    }
}
