using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Edge.HttpProxy.Tests.Infrastructure;

namespace Edge.HttpProxy.Tests;

public sealed class ForwardingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static Dictionary<string, string> Parse(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    [Fact]
    public async Task Get_TargetAndHeaders_ReachOriginAsSentWithTrustedForwardingHeaders()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);

        // Raw socket: the request target and headers go out exactly as written here.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, proxy.Url.Port);
        await using var stream = tcp.GetStream();
        var request = "GET /echo/a%2Fb/c?q=1&r=%20 HTTP/1.1\r\n" +
            "Host: app.example.test\r\n" +
            "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Host: evil.test\r\nForwarded: for=203.0.113.9\r\nX-Real-IP: 203.0.113.9\r\n" +
            "X-Custom: kept\r\nKeep-Alive: timeout=5\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var response = await reader.ReadToEndAsync().WaitAsync(Bound);

        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..split];
        var echo = Parse(Dechunk(response[(split + 4)..]));
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal("GET", echo["method"]);
        Assert.Equal("/echo/a%2Fb/c?q=1&r=%20", echo["target"]);
        Assert.Equal("app.example.test", echo["host"]);
        Assert.Equal("127.0.0.1", echo["xff"]);
        Assert.Equal("http", echo["xfproto"]);
        Assert.Equal("app.example.test", echo["xfhost"]);
        Assert.Equal("", echo["forwarded"]);
        Assert.Equal("", echo["xrealip"]);
        Assert.Equal("kept", echo["custom"]);
        Assert.Equal("", echo["keepalive"]);
        // The origin's headers come back, except the one its Connection header names.
        Assert.Contains("X-Origin: yes", head, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-hop", head, StringComparison.Ordinal);
        Assert.Contains("Set-Cookie: a=1", head, StringComparison.Ordinal);
        Assert.Contains("Set-Cookie: b=2", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_HostHeaderConfigured_OriginSeesItAndForwardedHostKeepsClients()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url, ("HostHeader", "internal.local:8080"));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.At("/echo"));
        request.Headers.Host = "public.example.test";

        using var response = await http.SendAsync(request);
        var echo = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("internal.local:8080", echo["host"]);
        Assert.Equal("public.example.test", echo["xfhost"]);
    }

    [Fact]
    public async Task Post_BodyWithContentType_ArrivesWhole()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient();

        using var response = await http.PostAsync(proxy.At("/echo"), new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"));
        var echo = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("POST", echo["method"]);
        Assert.Equal("7", echo["length"]);
        Assert.Equal("application/json; charset=utf-8", echo["contenttype"]);
    }

    [Fact]
    public async Task Post_ExpectContinue_OriginAsksForTheBodyAndGetsItWhole()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Post, proxy.At("/upload")) { Content = new ByteArrayContent(new byte[300_000]) };
        request.Headers.ExpectContinue = true;

        using var response = await http.SendAsync(request);
        var parts = (await response.Content.ReadAsStringAsync()).Split(' ');

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("300000", parts[0]);
        Assert.Equal("300000", parts[2]);
    }

    [Fact]
    public async Task Post_ExpectContinueRefusedEarly_ClientGetsTheRefusalWithoutSendingTheBody()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var handler = new SocketsHttpHandler { UseProxy = false, Expect100ContinueTimeout = Bound };
        using var http = new HttpClient(handler) { Timeout = Bound };
        var body = new GatedUploadContent(1, Task.CompletedTask, contentLength: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, proxy.At("/ws-refuse")) { Content = body };
        request.Headers.ExpectContinue = true;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"test\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("", body.Sha256);
    }

    [Fact]
    public async Task Get_OriginHoldsBodyAfterFirstMegabyte_ClientReadsItBeforeTheRestExists()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient { Timeout = Bound };
        const int Megabytes = 64;

        using var response = await http.GetAsync(proxy.At($"/gated?mb={Megabytes}"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[TestOrigin.BlockSize];
        await body.ReadExactlyAsync(first).AsTask().WaitAsync(Bound);
        Assert.False(origin.Gate.Task.IsCompleted);
        origin.Gate.SetResult();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(first);
        var buffer = new byte[128 * 1024];
        long total = first.Length;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((long)Megabytes * TestOrigin.BlockSize, response.Content.Headers.ContentLength);
        Assert.Equal((long)Megabytes * TestOrigin.BlockSize, total);
        Assert.Equal(ExpectedSha256((long)Megabytes * TestOrigin.BlockSize), Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public async Task Head_LargeResource_LengthWithoutBody()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient { Timeout = Bound };

        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, proxy.At("/gated?mb=3")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3L * TestOrigin.BlockSize, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Post_UploadHeldAfterFirstChunk_OriginReceivesItBeforeTheRestIsSent(bool contentLength)
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient { Timeout = Bound };
        const int Megabytes = 32;
        var content = new GatedUploadContent(Megabytes, origin.FirstUploadBytes.Task, contentLength);

        using var response = await http.PostAsync(proxy.At("/upload"), content);
        var parts = (await response.Content.ReadAsStringAsync()).Split(' ');

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(content.WaitedForOrigin, "the origin received nothing until the client had sent everything");
        Assert.Equal(((long)Megabytes * TestOrigin.BlockSize).ToString(System.Globalization.CultureInfo.InvariantCulture), parts[0]);
        Assert.Equal(content.Sha256, parts[1]);
        Assert.Equal(contentLength ? parts[0] : "chunked", parts[2]);
    }

    [Fact]
    public async Task Sse_OriginHoldsStreamOpen_FirstEventArrivesBeforeTheSecondExists()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(origin.Url);
        using var http = new HttpClient { Timeout = Bound };

        using var response = await http.GetAsync(proxy.At("/sse"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);
        var first = await reader.ReadLineAsync().WaitAsync(Bound);
        var blank = await reader.ReadLineAsync().WaitAsync(Bound);
        var heldOpen = !origin.Gate.Task.IsCompleted;
        origin.Gate.SetResult();
        var rest = await reader.ReadToEndAsync().WaitAsync(Bound);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: one", first);
        Assert.Equal("", blank);
        Assert.True(heldOpen);
        Assert.Equal("data: two\n\n", rest);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var end = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[at..end], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, end + 2, size);
            at = end + 2 + size + 2;
        }
    }

    private static string ExpectedSha256(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[TestOrigin.BlockSize];
        for (long offset = 0; offset < length; offset += block.Length)
        {
            TestOrigin.FillPattern(offset, block);
            hash.AppendData(block);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Sends one block, waits until the origin has it, then sends the rest; hashes what it sent.</summary>
    private sealed class GatedUploadContent(int megabytes, Task originHasFirstBlock, bool contentLength) : HttpContent
    {
        public bool WaitedForOrigin { get; private set; }

        public string Sha256 { get; private set; } = "";

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var block = new byte[TestOrigin.BlockSize];
            for (var i = 0; i < megabytes; i++)
            {
                TestOrigin.FillPattern((long)i * block.Length, block);
                await stream.WriteAsync(block);
                await stream.FlushAsync();
                hash.AppendData(block);
                if (i == 0)
                {
                    await originHasFirstBlock.WaitAsync(Bound);
                    WaitedForOrigin = true;
                }
            }

            Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = (long)megabytes * TestOrigin.BlockSize;
            return contentLength;
        }
    }
}
