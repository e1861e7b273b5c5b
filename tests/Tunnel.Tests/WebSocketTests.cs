using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Edge.Tunnel.Tests.Infrastructure;

namespace Edge.Tunnel.Tests;

public sealed class WebSocketTests
{
    [Fact]
    public async Task WebSocket_PublicHttp11Upgrade_EchoesThroughTunnelAsHttp2ExtendedConnect()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);

        // The URI carries the public host; the handler dials the relay's loopback port.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", relay.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://chat.apps.test:{relay.Port}/ws"), invoker, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        var buffer = new byte[4096];
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes($"hello {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            var result = await client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal($"origin:HTTP/2:hello {i}", Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketState.Closed, client.State);
    }
}
