using System.Net;
using System.Net.Sockets;
using Edge.HttpProxy.Tests.Infrastructure;

namespace Edge.HttpProxy.Tests;

public sealed class FailureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Get_NothingListensOnOrigin_502SaysRefused()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var proxy = await ProxyHost.StartAsync($"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = Bound };

        using var response = await http.GetAsync(proxy.At("/anything"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("Bad gateway: the origin refused the connection.\n", text);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_OriginNeverAnswers_504AfterResponseTimeoutAndOriginRequestCancelled()
    {
        var clock = new ObservedClock();
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url, clock, null, ("ResponseTimeout", "00:00:01"));
        using var http = new HttpClient { Timeout = Bound };

        var request = http.GetAsync(proxy.At("/hang"));
        await origin.RequestArrived.Task.WaitAsync(Bound);
        clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await request.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("Gateway timeout: the origin did not answer within 1 s.\n", await response.Content.ReadAsStringAsync());
        await origin.HeldRequestAborted.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task Sse_SilentAfterHeadersLongerThanResponseTimeout_HeadersAtOnceAndStreamLivesOn()
    {
        var clock = new ObservedClock();
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url, clock, null, ("ResponseTimeout", "00:00:05"));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        // The origin sends its headers and nothing else: the client has them although no body byte exists yet.
        using var response = await http.GetAsync(proxy.At("/sse-silent"), HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        await using var body = await response.Content.ReadAsStreamAsync();
        var read = body.ReadAsync(new byte[64]).AsTask();
        clock.Advance(TimeSpan.FromHours(3));
        var silentButOpen = !read.IsCompleted;
        origin.Gate.SetResult();
        var first = await read.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(silentButOpen);
        Assert.True(first > 0);
        Assert.Equal(0, clock.Armed);
    }

    [Fact]
    public async Task Get_OriginAcceptQueueFull_504WhenConnectTimesOut()
    {
        // A listener that never accepts, with its backlog filled: further SYNs are dropped, so connecting hangs.
        // A filler counts as hanging only after 2 s: the kernel retransmits a dropped SYN after 1 s, so a connect
        // that is merely slow on a loaded machine completes well before that and just takes another slot.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            var backlogFull = false;
            for (var i = 0; i < 16 && !backlogFull; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await filler.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    backlogFull = true;
                }
            }

            Assert.True(backlogFull, "16 connections to a listener with backlog 1 all completed; the test cannot make connecting hang here.");

            await using var proxy = await ProxyHost.StartAsync($"http://127.0.0.1:{port}", ("Edge:Http:ConnectTimeout", "00:00:01"));
            using var http = new HttpClient { Timeout = Bound };

            using var response = await http.GetAsync(proxy.At("/"));

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("Gateway timeout: connecting to the origin timed out.\n", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task Post_ClientSlowerThanResponseTimeout_TimeWaitingForClientNotCounted()
    {
        var clock = new ObservedClock();
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url, clock, null, ("ResponseTimeout", "00:00:01"));
        using var http = new HttpClient { Timeout = Bound };
        var client = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var request = http.PostAsync(proxy.At("/upload"), new HeldContent(client.Task));
        await origin.FirstUploadBytes.Task.WaitAsync(Bound);

        // The proxy waits on the client now: its timeout is paused while an hour passes.
        await clock.WaitUntilArmedAsync(armed => armed == 0, Bound);
        clock.Advance(TimeSpan.FromHours(1));
        client.SetResult();
        using var response = await request.WaitAsync(Bound);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("5 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ClientAbortsMidBody_OriginRequestCancelled()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient { Timeout = Bound };

        var response = await http.GetAsync(proxy.At("/hold"), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[7];
        await body.ReadExactlyAsync(buffer).AsTask().WaitAsync(Bound);
        response.Dispose();

        await origin.HeldRequestAborted.Task.WaitAsync(Bound);
        Assert.Equal("partial"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task Get_OriginBreaksOffMidBody_ClientResponseAborted()
    {
        // A raw origin that promises 1000 bytes, sends 10 and closes the connection cleanly.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var origin = Task.Run(async () =>
        {
            using var connection = await listener.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            var buffer = new byte[4096];
            var head = "";
            while (!head.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                head += System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            }

            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"u8.ToArray());
        });
        await using var proxy = await ProxyHost.StartAsync($"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = Bound };

        // The client must never see a complete response. The abort usually arrives after the headers (the body read
        // fails), but a reset can also overtake headers still unread in the client's socket (the request fails).
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await http.GetAsync(proxy.At("/broken"), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1000, response.Content.Headers.ContentLength);
            await response.Content.ReadAsByteArrayAsync();
        }).WaitAsync(Bound);

        Assert.True(error is HttpRequestException or IOException, error.ToString());
        await origin.WaitAsync(Bound);
    }

    /// <summary>A body of one byte, then (once the test lets it go) four more: a client slower than the response timeout.</summary>
    private sealed class HeldContent(Task client) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[] { 0 });
            await stream.FlushAsync();
            await client.WaitAsync(Bound);
            for (var i = 1; i < 5; i++)
            {
                await stream.WriteAsync(new[] { (byte)i });
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
