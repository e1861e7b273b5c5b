using System.Net;
using System.Net.Sockets;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Hands out TCP ports on 127.0.0.1 that were free a moment ago (the kernel picks them).</summary>
public static class FreePort
{
    private static readonly HashSet<int> Issued = [];
    private static readonly Lock Gate = new();

    /// <summary>A free port on 127.0.0.1, never the same one twice in this test process.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("Could not find a free TCP port on 127.0.0.1 after 50 attempts.");
    }
}
