using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// `edge relay` and `edge serve` agents as real processes, configured the way an operator would, and clients that
/// reach the relay's public entry under a public host name (dialing 127.0.0.1:PORT whatever the URL's host).
/// </summary>
internal static class TunnelSetup
{
    public const string TunnelId = "home";
    public const string Token = "tunnel-token-it-0123456789abcdef";

    /// <summary>A relay with one tunnel and one ingress rule per public host, all to that tunnel.</summary>
    public static EdgeProcess Relay(params string[] publicHosts)
    {
        var relay = EdgeProcess.Create()
            .WithCommand("relay")
            .WithSetting("Relay:Tunnels:0:Id", TunnelId)
            .WithSetting("Relay:Tunnels:0:Token", Token);
        for (var i = 0; i < publicHosts.Length; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            relay.WithSetting($"Relay:Ingress:{n}:Host", publicHosts[i]).WithSetting($"Relay:Ingress:{n}:TunnelId", TunnelId);
        }

        return relay;
    }

    /// <summary>An `edge serve` agent of the tunnel (its own data directory), with the default registry proxy.</summary>
    public static EdgeProcess Agent(EdgeProcess relay) => EdgeProcess.Create()
        .WithSetting("Edge:Tunnel:RelayUri", relay.Url)
        .WithSetting("Edge:Tunnel:TunnelId", TunnelId)
        .WithSetting("Edge:Tunnel:Token", Token);

    /// <summary>An agent whose only function is <c>builtin:http-proxy</c> in front of <paramref name="origin"/>.</summary>
    public static EdgeProcess HttpProxyAgent(EdgeProcess relay, string origin) => Agent(relay)
        .WithSetting("Functions:registry:Enabled", "false")
        .WithSetting("Functions:app:Handler", "builtin:http-proxy")
        .WithSetting("Functions:app:Routes:0", "*")
        .WithSetting("Functions:app:Vars:Origin", origin);

    /// <summary>Polls the agent's /_edge/ready (bounded: 200 tries, 100 ms apart) until it answers <paramref name="expected"/>.</summary>
    public static async Task<HttpStatusCode> WaitForReadyAsync(EdgeProcess agent, HttpStatusCode expected)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var status = HttpStatusCode.NotFound;
        for (var i = 0; i < 200 && status != expected; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
                status = response.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = HttpStatusCode.ServiceUnavailable;
            }

            if (status != expected)
            {
                await Task.Delay(100);
            }
        }

        return status;
    }

    /// <summary>
    /// A handler that sends every request to the relay's port on 127.0.0.1, so URLs carry the public host
    /// (<c>http://app.tunnel.test:PORT/…</c>) and Host, WebSocket handshakes and TLS-free routing look real.
    /// </summary>
    public static SocketsHttpHandler RelayHandler(EdgeProcess relay) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, relay.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>http://HOST:RELAYPORT + path.</summary>
    public static Uri PublicUri(EdgeProcess relay, string host, string pathAndQuery, string scheme = "http") =>
        new($"{scheme}://{host}:{relay.Port.ToString(CultureInfo.InvariantCulture)}{pathAndQuery}");
}
