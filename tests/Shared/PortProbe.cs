using System.Net.Sockets;

namespace Edge.Tests.Shared;

/// <summary>Loopback port checks shared by the test projects that link this file.</summary>
internal static class PortProbe
{
    /// <summary>True once a TCP connect to 127.0.0.1:<paramref name="port"/> is refused (polled every 50 ms, at most
    /// 100 times).</summary>
    public static async Task<bool> RefusesConnectionsAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync("127.0.0.1", port);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
