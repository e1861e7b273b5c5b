using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Forwarding.Tests;

public sealed class HeaderPolicyTests
{
    private static readonly TrustedClient Client = new(IPAddress.Parse("::ffff:198.51.100.7"), "https", "app.example.test");

    private static DefaultHttpContext Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Host = new HostString("app.example.test");
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        return context;
    }

    private static Dictionary<string, string> Sent(HttpRequestMessage message)
    {
        var all = message.Headers.NonValidated.Select(h => (h.Key, Value: h.Value.ToString()));
        if (message.Content is not null)
        {
            all = all.Concat(message.Content.Headers.NonValidated.Select(h => (h.Key, Value: h.Value.ToString())));
        }

        return all.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void CopyRequestHeaders_HopByHopAndConnectionNamed_StayOnTheirHop()
    {
        var context = Request(
            ("Connection", "keep-alive, X-Hop"), ("X-Hop", "secret"), ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
            ("Proxy-Authorization", "Basic eA=="), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"), ("Trailer", "X-Sum"),
            ("TE", "gzip"), ("HTTP2-Settings", "AAMAAABkAAQAAP__"), ("X-Custom", "kept"), ("Cookie", "a=1"), ("Authorization", "Bearer t"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, host: null, client: null);

        var sent = Sent(message);
        Assert.Equal(["Authorization", "Cookie", "Host", "X-Custom"], sent.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("kept", sent["X-Custom"]);
        Assert.Equal("a=1", sent["Cookie"]);
        Assert.Equal("Bearer t", sent["Authorization"]);
    }

    [Fact]
    public void CopyRequestHeaders_ClientSentForwardingHeaders_ReplacedByTrustedClient()
    {
        var context = Request(
            ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "http"), ("X-Forwarded-Host", "evil.test"),
            ("X-Forwarded-Port", "1"), ("X-Forwarded-Prefix", "/x"), ("Forwarded", "for=203.0.113.9;host=evil.test"),
            ("X-Real-IP", "203.0.113.9"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, host: null, Client);

        var sent = Sent(message);
        Assert.Equal("198.51.100.7", sent["X-Forwarded-For"]);
        Assert.Equal("https", sent["X-Forwarded-Proto"]);
        Assert.Equal("app.example.test", sent["X-Forwarded-Host"]);
        Assert.False(sent.ContainsKey("Forwarded"));
        Assert.False(sent.ContainsKey("X-Real-IP"));
        Assert.False(sent.ContainsKey("X-Forwarded-Port"));
        Assert.False(sent.ContainsKey("X-Forwarded-Prefix"));
    }

    [Fact]
    public void CopyRequestHeaders_NoTrustedClient_NoForwardingHeadersAtAll()
    {
        var context = Request(("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9"), ("X-Real-IP", "203.0.113.9"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, "private.app.test", client: null);

        Assert.Equal(["Host"], Sent(message).Keys);
        Assert.Equal("private.app.test", message.Headers.Host);
    }

    [Theory]
    [InlineData(null, "app.example.test")]
    [InlineData("internal.local:8080", "internal.local:8080")]
    public void CopyRequestHeaders_Host_ClientsUnlessConfigured(string? configured, string expected)
    {
        var context = Request();
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, configured, Client);

        Assert.Equal(expected, message.Headers.Host);
        Assert.Equal("app.example.test", Sent(message)["X-Forwarded-Host"]);
    }

    [Theory]
    [InlineData("trailers", true)]
    [InlineData("gzip, trailers", true)]
    [InlineData("gzip", false)]
    public void CopyRequestHeaders_TE_OnlyTrailersKept(string te, bool kept)
    {
        var context = Request(("TE", te));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, null, null);

        Assert.Equal(kept ? "trailers" : null, Sent(message).GetValueOrDefault("TE"));
    }

    [Fact]
    public void CopyRequestHeaders_AlsoRemove_DropsTheCallersHeaders()
    {
        var context = Request(("Edge-Access-Token", "local-client-token"), ("X-Kept", "1"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, null, null, new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "edge-access-token" });

        Assert.Equal(["Host", "X-Kept"], Sent(message).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CopyRequestHeaders_WebSocketHandshake_ExtensionsAndProtocolsPassEndToEnd()
    {
        var context = Request(
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), ("Sec-WebSocket-Protocol", "chat.v2, chat.v1"),
            ("Origin", "https://app.example.test"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, null, Client);

        var sent = Sent(message);
        Assert.Equal("permessage-deflate; client_max_window_bits", sent["Sec-WebSocket-Extensions"]);
        Assert.Equal("chat.v2, chat.v1", sent["Sec-WebSocket-Protocol"]);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", sent["Sec-WebSocket-Key"]);
        Assert.Equal("https://app.example.test", sent["Origin"]);
    }

    [Fact]
    public void CopyRequestHeaders_Body_ContentHeadersOnTheContentAndLengthDroppedNextToChunked()
    {
        var context = Request(("Content-Type", "application/json"), ("Content-Length", "7"), ("Transfer-Encoding", "chunked"));
        using var message = new HttpRequestMessage { Content = new StreamContent(Stream.Null) };

        HeaderPolicy.CopyRequestHeaders(context.Request, message, null, null);

        Assert.Equal("application/json", message.Content.Headers.ContentType?.ToString());
        Assert.False(message.Content.Headers.NonValidated.Contains("Content-Length"));
        Assert.False(message.Headers.NonValidated.Contains("Transfer-Encoding"));
    }

    [Fact]
    public void CopyRequestHeaders_NoBody_ContentHeadersDropped()
    {
        var context = Request(("Content-Type", "application/json"), ("Content-Length", "0"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, null, null);

        Assert.Null(message.Content);
        Assert.Equal(["Host"], Sent(message).Keys);
    }

    [Fact]
    public void CopyRequestHeaders_ValueWithNewLine_NotPassedOn()
    {
        var context = Request(("X-Bad", "a\r\nX-Injected: 1"), ("X-Good", "b"));
        using var message = new HttpRequestMessage();

        HeaderPolicy.CopyRequestHeaders(context.Request, message, null, null);

        Assert.Equal(["Host", "X-Good"], Sent(message).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CopyResponseHeaders_HopByHopConnectionNamedAndAltSvc_Removed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.ASCII.GetBytes("hello")) };
        response.Headers.TryAddWithoutValidation("Connection", "X-Origin-Hop, keep-alive");
        response.Headers.TryAddWithoutValidation("X-Origin-Hop", "secret-hop");
        response.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        response.Headers.TryAddWithoutValidation("Alt-Svc", "h3=\":443\"");
        response.Headers.TryAddWithoutValidation("Upgrade", "h2c");
        response.Headers.TryAddWithoutValidation("Set-Cookie", ["a=1", "b=2"]);
        response.Headers.TryAddWithoutValidation("X-Origin", "yes");
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        response.Content.Headers.ContentLength = 5;
        var target = new DefaultHttpContext().Response;

        HeaderPolicy.CopyResponseHeaders(response, target);

        Assert.Equal(["Content-Length", "Content-Type", "Set-Cookie", "X-Origin"], target.Headers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("a=1,b=2", string.Join(",", target.Headers.SetCookie.ToArray()));
        Assert.Equal(2, target.Headers.SetCookie.Count);
        Assert.Equal(5, target.ContentLength);
    }

    [Fact]
    public void CopyResponseHeaders_ChunkedWithLength_LengthNotPassed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        response.Headers.TryAddWithoutValidation("Transfer-Encoding", "chunked");
        response.Content.Headers.ContentLength = 10;
        var target = new DefaultHttpContext().Response;

        HeaderPolicy.CopyResponseHeaders(response, target);

        Assert.Null(target.ContentLength);
        Assert.False(target.Headers.ContainsKey("Transfer-Encoding"));
    }

    [Fact]
    public void CopyResponseHeaders_NoContentWithLengthZero_LengthNotPassed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new ByteArrayContent([]) };
        var target = new DefaultHttpContext().Response;

        HeaderPolicy.CopyResponseHeaders(response, target);

        Assert.Null(target.ContentLength);
    }

    [Fact]
    public void CopyResponseTrailers_ClientCarriesTrailers_EndToEndOnesCopied()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");
        response.TrailingHeaders.TryAddWithoutValidation("grpc-message", "ok");
        response.TrailingHeaders.TryAddWithoutValidation("Transfer-Encoding", "chunked");
        var context = new DefaultHttpContext();
        var trailers = new TrailersFeature();
        context.Features.Set<IHttpResponseTrailersFeature>(trailers);

        HeaderPolicy.CopyResponseTrailers(response, context);

        Assert.Equal(["grpc-message", "grpc-status"], trailers.Trailers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("0", trailers.Trailers["grpc-status"].ToString());
    }

    [Fact]
    public void CopyResponseTrailers_ClientWithoutTrailers_NothingHappens()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");
        var context = new DefaultHttpContext();

        HeaderPolicy.CopyResponseTrailers(response, context);

        Assert.Null(context.Features.Get<IHttpResponseTrailersFeature>());
    }

    [Theory]
    [InlineData("/a%2Fb/c?q=1&r=%20", "http://origin.test:8080/a%2Fb/c?q=1&r=%20")]
    [InlineData("", "http://origin.test:8080/p/q?x=1")]
    public void RequestTarget_For_RawTargetKeptOrDecodedPathFallback(string raw, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/p/q";
        context.Request.QueryString = new QueryString("?x=1");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = raw;

        Assert.Equal(expected, RequestTarget.For("http://origin.test:8080", context.Request).OriginalString);
    }

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }
}
