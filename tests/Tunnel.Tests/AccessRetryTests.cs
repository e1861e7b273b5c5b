using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Edge.Tunnel.Tests.Infrastructure;

namespace Edge.Tunnel.Tests;

/// <summary>
/// `edge access` and its connection to the relay failing: sent again on a new connection exactly when RetryRule allows
/// (nothing reached the client; the relay never got the request, or it is a GET/HEAD/OPTIONS without a body), otherwise
/// one clear 502.
/// </summary>
public sealed class AccessRetryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Get_RelayRestartedBetweenTwoRequests_SucceedsOnANewConnection()
    {
        var relay = await RelayHost.StartAsync(AccessTests.AccessRoutes);
        var port = relay.Port;
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);
        await using var access = await AccessHost.StartAsync(relay.Uri, "private.app.test", AccessTests.CiToken);
        using var client = new PublicClient(access.Port);
        var (firstStatus, _) = await client.GetStringAsync("localhost", "/echo");

        // The access client's pooled connection belongs to a relay that is gone.
        await relay.DisposeAsync();
        await using var restarted = await RelayHost.StartAsync(AccessTests.AccessRoutes, port: port);
        await restarted.WaitForConnectionsAsync("t1", 2, Bound);
        var (secondStatus, secondBody) = await client.GetStringAsync("localhost", "/echo?after=restart");

        Assert.Equal(200, firstStatus);
        Assert.Equal(200, secondStatus);
        Assert.Contains("path=/echo?after=restart\n", secondBody, StringComparison.Ordinal);
        Assert.Equal(1, restarted.Relay.GetStatus().Single(s => s.TunnelId == "t1").AccessRequests);
    }

    [Fact]
    public async Task Get_ConnectionBreaksBeforeTheAnswerIsComplete_SentAgainOnAnotherConnection()
    {
        // The first connection takes the request and breaks off in the middle of the status line: the relay (or the
        // agent) may have run it, which is harmless for a GET.
        await using var relay = ScriptedRelay.Start(
            "HTTP/1.1 200 OK\r\nContent-Le",
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Attempt: 2\r\n\r\nsecond");
        await using var access = await AccessHost.StartAsync(relay.Uri, "private.app.test", AccessTests.CiToken);
        using var client = new PublicClient(access.Port);

        using var response = await client.SendAsync("localhost", "/resource");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("second", body);
        Assert.Equal("2", Assert.Single(response.Headers.GetValues("X-Attempt")));
        Assert.Equal(2, relay.Requests.Count);
        Assert.All(relay.Requests, r => Assert.StartsWith("GET /resource HTTP/1.1\r\n", r, StringComparison.Ordinal));
        Assert.All(relay.Requests, r => Assert.Contains($"Edge-Access-Token: {AccessTests.CiToken}\r\n", r, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(access.Logs.Lines, l => l.Contains($"GET /resource to {relay.Uri.GetLeftPart(UriPartial.Authority)}: attempt 1 failed (UpstreamFailed), sending again on another connection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_ConnectionBreaksAfterTheRelayGotTheBody_NotSentAgainAndOneClear502()
    {
        await using var relay = ScriptedRelay.Start("", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ntwice");
        await using var access = await AccessHost.StartAsync(relay.Uri, "private.app.test", AccessTests.CiToken);
        using var client = new PublicClient(access.Port);

        using var response = await client.SendAsync("localhost", "/orders", HttpMethod.Post, new StringContent("{\"item\":1}", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        // A second attempt would have connected before the 502 was sent: none was accepted nor is waiting.
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal($"Bad gateway: the relay {relay.Uri.GetLeftPart(UriPartial.Authority)} closed the connection or sent an invalid response.\n", body);
        var request = Assert.Single(relay.Requests);
        Assert.StartsWith("POST /orders HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n{\"item\":1}", request, StringComparison.Ordinal);
        Assert.False(relay.HasPendingConnection);
        Assert.Single(access.Logs.Lines, l => l.Contains("POST /orders to", StringComparison.Ordinal) && l.Contains("failed (UpstreamFailed): answered 502.", StringComparison.Ordinal));
        Assert.DoesNotContain(access.Logs.Lines, l => l.Contains("sending again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_EveryAttemptBreaks_GivesUpAfterMaxAttemptsWithOne502()
    {
        // Broken mid-answer each time (an empty answer would be retried by the connection pool itself, uncounted).
        const string Broken = "HTTP/1.1 200 OK\r\nContent-Le";
        await using var relay = ScriptedRelay.Start(Broken, Broken, Broken, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno");
        await using var access = await AccessHost.StartAsync(relay.Uri, "private.app.test", AccessTests.CiToken);
        using var client = new PublicClient(access.Port);

        var (status, _) = await client.GetStringAsync("localhost", "/flaky");

        Assert.Equal(502, status);
        Assert.Equal(3, Access.TunnelAccessProxy.MaxAttempts);
        Assert.Equal(3, relay.Requests.Count);
        Assert.Equal(2, access.Logs.Lines.Count(l => l.Contains("sending again on another connection", StringComparison.Ordinal)));
        Assert.False(relay.HasPendingConnection);
    }

    /// <summary>
    /// A stand-in relay on 127.0.0.1:0 that answers the Nth connection with the Nth script (raw bytes, then close;
    /// an empty script closes right after reading the request) and records each request as received.
    /// </summary>
    private sealed class ScriptedRelay : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly string[] _scripts;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        private ScriptedRelay(string[] scripts)
        {
            _scripts = scripts;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _accepting = AcceptAsync();
        }

        public Uri Uri { get; }

        public ConcurrentQueue<string> Requests { get; } = new();

        public bool HasPendingConnection => _listener.Pending();

        public static ScriptedRelay Start(params string[] scripts) => new(scripts);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (Exception)
            {
                // Stopping the listener ends the accept loop with an exception.
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            // One connection at a time, in order: attempts are sequential.
            for (var i = 0; i < _scripts.Length; i++)
            {
                using var connection = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = connection.GetStream();
                Requests.Enqueue(await ReadRequestAsync(stream, _stop.Token));
                if (_scripts[i].Length > 0)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(_scripts[i]), _stop.Token);
                }

                connection.Client.Shutdown(SocketShutdown.Both);
            }
        }

        private static async Task<string> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            while (true)
            {
                var text = received.ToString();
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    var length = text[..end].Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(p => int.Parse(p[1].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
                    if (text.Length >= end + 4 + length)
                    {
                        return text;
                    }
                }

                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return received.ToString();
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
    }
}
