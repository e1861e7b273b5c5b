using System.Net.Http;
using Edge.Forwarding;
using Edge.Tunnel.Agent;
using Edge.Tunnel.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(5, 16000)]
    [InlineData(6, 30000)]
    [InlineData(40, 30000)]
    public void Backoff_Compute_DoublesUpToTheCap(int failures, int expectedMs)
    {
        var middle = TunnelBackoff.Compute(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.5);
        Assert.Equal(expectedMs, middle.TotalMilliseconds, 1);
        var low = TunnelBackoff.Compute(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0);
        var high = TunnelBackoff.Compute(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.999);
        Assert.True(low < high || high == TimeSpan.FromSeconds(30));
        Assert.True(high <= TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("app.test", "/", "exact")]
    [InlineData("APP.test", "/x", "exact")]
    [InlineData("app.test", "/api", "exact-api")]
    [InlineData("app.test", "/api/v1", "exact-api")]
    [InlineData("app.test", "/apix", "exact")]
    [InlineData("x.app.test", "/", "wild")]
    [InlineData("x.y.app.test", "/", "wild")]
    [InlineData("other.test", "/", null)]
    public void Ingress_Match_MostSpecificRuleWins(string host, string path, string? expected)
    {
        var table = new TunnelIngressTable(
        [
            new TunnelIngressRule { Host = "*.app.test", TunnelId = "wild" },
            new TunnelIngressRule { Host = "app.test", TunnelId = "exact" },
            new TunnelIngressRule { Host = "app.test", PathPrefix = "/api/", TunnelId = "exact-api" },
        ]);

        Assert.Equal(expected, table.Match(host, path)?.TunnelId);
    }

    [Fact]
    public void Credentials_Verify_AcceptsOnlyTheTunnelsToken()
    {
        var credentials = new TunnelCredentials(
        [
            new TunnelDefinition { Id = "a", Token = "token-a" },
            new TunnelDefinition { Id = "b", TokenSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("token-b"u8)) },
        ]);

        Assert.True(credentials.Verify("a", "token-a"));
        Assert.True(credentials.Verify("b", "token-b"));
        Assert.False(credentials.Verify("a", "token-b"));
        Assert.False(credentials.Verify("c", "token-a"));
        Assert.False(credentials.Verify("a", ""));
    }

    [Fact]
    public void NeverReachedAgent_OnlyForRefusedConnectOrRefusedStream()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "x", new TunnelConnectionUnavailableException("closed"));
        Assert.True(TunnelRelay.NeverReachedAgent(refused));

        var refusedStream = new HttpRequestException(HttpRequestError.HttpProtocolError, "x", new HttpProtocolException(0x7, "refused", null));
        Assert.True(TunnelRelay.NeverReachedAgent(refusedStream));

        var reset = new HttpRequestException(HttpRequestError.ResponseEnded, "x", new IOException("reset"));
        Assert.False(TunnelRelay.NeverReachedAgent(reset));
    }

    [Theory]
    [InlineData("GET", false, false, false, true)]
    [InlineData("HEAD", false, false, false, true)]
    [InlineData("OPTIONS", false, false, false, true)]
    [InlineData("GET", true, false, false, false)] // a GET with a body may not be idempotent in practice
    [InlineData("POST", false, false, false, false)]
    [InlineData("POST", false, true, false, true)] // never reached the agent, body untouched
    [InlineData("POST", true, true, false, true)]
    [InlineData("POST", true, true, true, false)] // a body read once cannot be replayed
    [InlineData("DELETE", false, false, false, false)]
    public void MaySendAgain_FollowsTheRetryRule(string method, bool hasBody, bool neverReached, bool bodyStarted, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(hasBody));

        Assert.Equal(expected, RetryRule.MaySendAgain(context.Request, neverReached, bodyStarted));
    }

    [Fact]
    public void MaySendAgain_ResponseStartedOrClientGone_Never()
    {
        var started = new DefaultHttpContext();
        started.Request.Method = "GET";
        started.Features.Set<IHttpResponseFeature>(new StartedResponse());
        Assert.False(RetryRule.MaySendAgain(started.Request, neverReachedUpstream: true, bodyStarted: false));

        using var gone = new CancellationTokenSource();
        gone.Cancel();
        var aborted = new DefaultHttpContext { RequestAborted = gone.Token };
        aborted.Request.Method = "GET";
        Assert.False(RetryRule.MaySendAgain(aborted.Request, neverReachedUpstream: true, bodyStarted: false));
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
