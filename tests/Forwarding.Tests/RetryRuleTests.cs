using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Forwarding.Tests;

public sealed class RetryRuleTests
{
    private static HttpRequest Request(string method, bool hasBody)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(hasBody));
        return context.Request;
    }

    [Theory]
    [InlineData("GET", false, true)]
    [InlineData("HEAD", false, true)]
    [InlineData("OPTIONS", false, true)]
    [InlineData("GET", true, false)]
    [InlineData("POST", false, false)]
    [InlineData("PUT", false, false)]
    [InlineData("DELETE", false, false)]
    public void IsIdempotentWithoutBody_MethodAndBody(string method, bool hasBody, bool expected) =>
        Assert.Equal(expected, RetryRule.IsIdempotentWithoutBody(Request(method, hasBody)));

    [Theory]
    [InlineData("GET", false, false, false, true)]
    [InlineData("POST", true, false, false, false)]
    [InlineData("POST", true, true, false, true)]
    [InlineData("POST", true, true, true, false)]
    [InlineData("GET", false, true, true, true)]
    public void MaySendAgain_ReachedAndBody(string method, bool hasBody, bool neverReached, bool bodyStarted, bool expected) =>
        Assert.Equal(expected, RetryRule.MaySendAgain(Request(method, hasBody), neverReached, bodyStarted));

    [Fact]
    public void MaySendAgain_ResponseStarted_Never()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Features.Set<IHttpResponseFeature>(new StartedResponse());

        Assert.False(RetryRule.MaySendAgain(context.Request, neverReachedUpstream: true, bodyStarted: false));
    }

    [Fact]
    public void NeverReachedUpstream_ConnectNameTlsAndRefusedStream_TrueOthersFalse()
    {
        Assert.True(RetryRule.NeverReachedUpstream(new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(RetryRule.NeverReachedUpstream(new HttpRequestException(HttpRequestError.NameResolutionError, "no such host")));
        Assert.True(RetryRule.NeverReachedUpstream(new HttpRequestException(HttpRequestError.SecureConnectionError, "tls")));
        Assert.True(RetryRule.NeverReachedUpstream(new HttpRequestException("wrapped", new HttpProtocolException(0x7, "refused stream", null))));
        Assert.False(RetryRule.NeverReachedUpstream(new HttpRequestException(HttpRequestError.ResponseEnded, "ended")));
        Assert.False(RetryRule.NeverReachedUpstream(new HttpRequestException("reset", new HttpProtocolException(0x2, "internal error", null))));
        Assert.False(RetryRule.NeverReachedUpstream(new IOException("reset")));
        Assert.False(RetryRule.NeverReachedUpstream(null));
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
    }

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
