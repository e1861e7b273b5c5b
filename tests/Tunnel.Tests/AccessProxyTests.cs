using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Edge.Tunnel.Access;
using Edge.Tunnel.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Edge.Tunnel.Tests;

/// <summary>The local side of `edge access` in front of a real relay, agent and origin: everything a public client
/// gets through the relay, for a private hostname.</summary>
public sealed class AccessProxyTests : IAsyncLifetime
{
    private RelayHost _relay = null!;
    private OriginHost _origin = null!;
    private AccessHost _access = null!;

    public async Task InitializeAsync()
    {
        _relay = await RelayHost.StartAsync(AccessTests.AccessRoutes);
        _origin = await OriginHost.StartAsync(OriginHost.AgentOptions(_relay.Uri));
        await _relay.WaitForConnectionsAsync("t1", 2);
        _access = await AccessHost.StartAsync(_relay.Uri, "private.app.test", AccessTests.CiToken);
    }

    public async Task DisposeAsync()
    {
        await _access.DisposeAsync();
        await _origin.DisposeAsync();
        await _relay.DisposeAsync();
    }

    [Fact]
    public async Task Get_ThroughAccess_ReachesThePrivateHostWithoutTheToken()
    {
        using var client = new PublicClient(_access.Port);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{_access.Port}/headers"));
        // A token the local client sends itself is replaced, never passed on.
        request.Headers.TryAddWithoutValidation(TunnelProtocol.AccessTokenHeader, "local-client-token");
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        using var headersResponse = await invoker.SendAsync(request, CancellationToken.None);
        var headers = await headersResponse.Content.ReadAsStringAsync();

        var (status, echo) = await client.GetStringAsync("localhost", "/echo?x=1");

        Assert.Equal(HttpStatusCode.OK, headersResponse.StatusCode);
        Assert.DoesNotContain(TunnelProtocol.AccessTokenHeader, headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AccessTests.CiToken, headers, StringComparison.Ordinal);
        Assert.DoesNotContain("local-client-token", headers, StringComparison.Ordinal);
        Assert.Equal(200, status);
        Assert.Contains("host=private.app.test\n", echo, StringComparison.Ordinal);
        Assert.Contains("path=/echo?x=1\n", echo, StringComparison.Ordinal);
        Assert.Contains("xfhost=private.app.test\n", echo, StringComparison.Ordinal);
        Assert.Contains("tunnel=t1\n", echo, StringComparison.Ordinal);
        Assert.Equal(2, _relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").AccessRequests);
        Assert.DoesNotContain(_access.Logs.Lines, l => l.Contains(AccessTests.CiToken, StringComparison.Ordinal));
        Assert.DoesNotContain(_relay.Logs.Lines, l => l.Contains(AccessTests.CiToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_ClientSentForwardingHeaders_NeitherAccessNorRelayPassesThemOn()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{_access.Port}/headers"));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.test");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=203.0.113.9;host=evil.test");
        request.Headers.TryAddWithoutValidation("X-Real-IP", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("Connection", "X-Hop");
        request.Headers.TryAddWithoutValidation("X-Hop", "hop-only");
        request.Headers.TryAddWithoutValidation("X-Custom", "kept");
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });

        using var response = await invoker.SendAsync(request, CancellationToken.None);
        var headers = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("X-Forwarded-For: 127.0.0.1\n", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("X-Forwarded-Host: private.app.test\n", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("X-Custom: kept\n", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("203.0.113.9", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.test", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Real-IP", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\nForwarded:", "\n" + headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hop-only", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_16MiBChunked_ArrivesIntact()
    {
        const int megabytes = 16;
        var data = new byte[megabytes * Payload.BlockSize];
        for (var i = 0; i < megabytes; i++)
        {
            Payload.FillBlock(i, data.AsSpan(i * Payload.BlockSize, Payload.BlockSize));
        }

        using var client = new PublicClient(_access.Port);
        using var response = await client.SendAsync("localhost", "/upload", HttpMethod.Post, new StreamContent(new MemoryStream(data)));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal($"{data.Length} {Payload.ExpectedSha256(megabytes)}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Download_64MiB_ArrivesIntact()
    {
        using var client = new PublicClient(_access.Port);
        using var response = await client.SendAsync("localhost", "/download?mb=64");
        await using var stream = await response.Content.ReadAsStreamAsync();
        var hash = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(Payload.ExpectedSha256(64), hash);
    }

    [Fact]
    public async Task ServerSentEvents_ArriveOneByOneBeforeTheStreamEnds()
    {
        using var client = new PublicClient(_access.Port);
        var watch = Stopwatch.StartNew();
        using var response = await client.SendAsync("localhost", "/sse");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var arrivals = new List<double>();
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                arrivals.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        // Five events 300 ms apart: buffered delivery would bring them all at once at the end (~1500 ms).
        Assert.Equal(5, arrivals.Count);
        Assert.True(arrivals[4] - arrivals[0] > 900, $"events spread over {arrivals[4] - arrivals[0]:F0} ms");
    }

    [Fact]
    public async Task ClientAbort_MidDownload_AbortsTheRelayRequest()
    {
        using var client = new PublicClient(_access.Port);
        using var cts = new CancellationTokenSource();
        var response = await client.SendAsync("localhost", "/download?mb=2048", cancellationToken: cts.Token);
        var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var buffer = new byte[64 * 1024];
        long read = 0;
        while (read < 8 * Payload.BlockSize)
        {
            read += await stream.ReadAsync(buffer, cts.Token);
        }

        await cts.CancelAsync();
        response.Dispose();

        // The access proxy drops its relay connection, so the relay sees its client go and resets the tunnel stream:
        // the abort reaches the origin across both hops.
        await _origin.DownloadAborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_relay.Relay.GetStatus().Single(s => s.TunnelId == "t1") is { ClientAborts: 0 } or { InFlight: > 0 })
        {
            Assert.True(DateTime.UtcNow < deadline, "the relay did not see the abort within 10 s");
            await Task.Delay(20);
        }

        // The access proxy logs after its copy has released the relay request, so the relay can see the abort first.
        var logDeadline = DateTime.UtcNow.AddSeconds(10);
        while (!_access.Logs.Lines.Any(l => l.Contains("Client aborted GET /download", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < logDeadline, "edge access did not log the client abort within 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task WebSocket_ThroughAccess_EchoesFromTheOrigin()
    {
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{_access.Port}/ws"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

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

    [Fact]
    public async Task WebSocket_WrongToken_RelaysRefusalAsOrdinaryResponse()
    {
        await using var access = await AccessHost.StartAsync(_relay.Uri, "private.app.test", "wrong-token-for-websocket");
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(new Uri($"ws://127.0.0.1:{access.Port}/ws"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(HttpStatusCode.Forbidden, client.HttpStatusCode);
    }

    [Fact]
    public async Task Get_WrongToken_RelaysThe403()
    {
        await using var access = await AccessHost.StartAsync(_relay.Uri, "private.app.test", "wrong-token-0123456789");
        using var client = new PublicClient(access.Port);

        var (status, body) = await client.GetStringAsync("localhost", "/echo");

        Assert.Equal(403, status);
        Assert.Equal("access token refused\n", body);
        Assert.DoesNotContain(access.Logs.Lines, l => l.Contains("wrong-token-0123456789", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_RelayUnreachable_502NamingTheRelay()
    {
        // A port that was free a moment ago and that nothing listens on.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var access = await AccessHost.StartAsync(new Uri($"http://127.0.0.1:{port}"), "private.app.test", AccessTests.CiToken);
        using var client = new PublicClient(access.Port);

        var (status, body) = await client.GetStringAsync("localhost", "/echo");

        Assert.Equal(502, status);
        Assert.Equal($"Bad gateway: the relay http://127.0.0.1:{port} refused the connection.\n", body);
        Assert.Contains(access.Logs.Lines, l => l.Contains($"GET /echo to http://127.0.0.1:{port} failed (Unreachable)", StringComparison.Ordinal));
        Assert.DoesNotContain(access.Logs.Lines, l => l.Contains(AccessTests.CiToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connect_LocalClientTakesItForAProxy_405()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _access.Port);
        await using var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream);

        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("HTTP/1.1 405 Method Not Allowed", statusLine);
        Assert.Equal(0, _relay.Relay.GetStatus().SingleOrDefault(s => s.TunnelId == "t1")?.AccessRequests ?? 0);
    }

    [Fact]
    public void Options_Invalid_EveryErrorReportedAtOnce()
    {
        var options = new TunnelAccessOptions
        {
            RelayUri = new Uri("https://relay.test/some/path?x=1"),
            Hostname = "*.internal.test",
            Token = "has space",
            ConnectTimeout = TimeSpan.Zero,
        };

        Assert.Equal(
        [
            "RelayUri 'https://relay.test/some/path?x=1' must be only scheme, host and port (the relay forwards paths unchanged)",
            "Hostname '*.internal.test' must be a host name without port, path or wildcard",
            "Token must be non-empty printable ASCII without spaces",
            "ConnectTimeout must be positive",
        ],
        options.Validate());
        Assert.Equal(["RelayUri must be an absolute http:// or https:// URI"], new TunnelAccessOptions { RelayUri = new Uri("ftp://relay.test"), Hostname = "db.test", Token = "t" }.Validate());
        Assert.Throws<OptionsValidationException>(() => new TunnelAccessProxy(Options.Create(new TunnelAccessOptions()), NullLogger<TunnelAccessProxy>.Instance));
    }
}
