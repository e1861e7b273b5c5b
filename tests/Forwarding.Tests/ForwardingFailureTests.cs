using System.Net;
using System.Net.Sockets;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding.Tests;

/// <summary>The error model: each failure maps to one error, one status, one public text, one log line.</summary>
public sealed class ForwardingFailureTests
{
    private static HttpRequestException ConnectFailure(SocketError error) =>
        new(HttpRequestError.ConnectionError, "connect failed", new SocketException((int)error));

    [Theory]
    [InlineData(SocketError.ConnectionRefused, "Bad gateway: the origin refused the connection.")]
    [InlineData(SocketError.NetworkUnreachable, "Bad gateway: the network of the origin is unreachable.")]
    [InlineData(SocketError.HostUnreachable, "Bad gateway: the network of the origin is unreachable.")]
    [InlineData(SocketError.TimedOut, "Bad gateway: connecting to the origin timed out.")]
    [InlineData(SocketError.AccessDenied, "Bad gateway: could not connect to the origin.")]
    public void FromException_ConnectFailure_UnreachableWithItsReason(SocketError socket, string text)
    {
        var failure = ForwardingFailure.FromException(ConnectFailure(socket), "the origin");

        Assert.Equal(ForwardingError.Unreachable, failure.Error);
        Assert.Equal(StatusCodes.Status502BadGateway, failure.Status);
        Assert.Equal(text, failure.PublicText);
        Assert.True(failure.Responds);
    }

    [Fact]
    public void FromException_NameAndTls_UnreachableNamingTheUpstreamAsGiven()
    {
        var name = ForwardingFailure.FromException(new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"), "the relay https://relay.test");
        var tls = ForwardingFailure.FromException(new HttpRequestException(HttpRequestError.SecureConnectionError, "bad cert"), "the origin");

        Assert.Equal("Bad gateway: the host name of the relay https://relay.test could not be resolved.", name.PublicText);
        Assert.Equal("Bad gateway: the TLS handshake with the origin failed.", tls.PublicText);
        Assert.Equal(ForwardingError.Unreachable, tls.Error);
    }

    [Fact]
    public void FromException_ConnectTimeout_504()
    {
        var failure = ForwardingFailure.FromException(new TaskCanceledException("canceled", new TimeoutException("connect timeout")), "the origin");

        Assert.Equal(ForwardingError.ConnectTimeout, failure.Error);
        Assert.Equal(StatusCodes.Status504GatewayTimeout, failure.Status);
        Assert.Equal("Gateway timeout: connecting to the origin timed out.", failure.PublicText);
    }

    [Fact]
    public void FromException_BrokenOrInvalidAnswer_UpstreamFailed502()
    {
        var failure = ForwardingFailure.FromException(new HttpRequestException(HttpRequestError.ResponseEnded, "ended", new IOException("reset")), "the origin");

        Assert.Equal(ForwardingError.UpstreamFailed, failure.Error);
        Assert.Equal("Bad gateway: the origin closed the connection or sent an invalid response.", failure.PublicText);
    }

    [Theory]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.ResponseBodyClient)]
    [InlineData(ForwarderError.ResponseBodyCanceled)]
    [InlineData(ForwarderError.UpgradeRequestClient)]
    [InlineData(ForwarderError.UpgradeResponseClient)]
    public void FromForwarder_ClientSide_ClientAborted499NoResponse(ForwarderError error)
    {
        var failure = ForwardingFailure.FromForwarder(error, new OperationCanceledException(), responseStarted: false, null, "the origin");

        Assert.Equal(ForwardingError.ClientAborted, failure.Error);
        Assert.Equal(StatusCodes.Status499ClientClosedRequest, failure.Status);
        Assert.False(failure.Responds);
    }

    [Fact]
    public void FromForwarder_RequestBodyClient_400()
    {
        var failure = ForwardingFailure.FromForwarder(ForwarderError.RequestBodyClient, new IOException("client reset"), false, null, "the origin");

        Assert.Equal(ForwardingError.ClientBodyFailed, failure.Error);
        Assert.Equal("Bad request: the request body could not be read.", failure.PublicText);
    }

    [Theory]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    [InlineData(ForwarderError.UpgradeResponseDestination)]
    [InlineData(ForwarderError.UpgradeRequestDestination)]
    public void FromForwarder_UpstreamBrokeAfterHeaders_ResponseBrokenNoResponse(ForwarderError error)
    {
        var failure = ForwardingFailure.FromForwarder(error, new IOException("eof"), responseStarted: true, null, "the origin");

        Assert.Equal(ForwardingError.ResponseBroken, failure.Error);
        Assert.False(failure.Responds);
    }

    [Fact]
    public void FromForwarder_BodyBrokeBeforeAnythingWasSent_UpstreamFailed502()
    {
        var failure = ForwardingFailure.FromForwarder(ForwarderError.ResponseBodyDestination, new IOException("eof"), responseStarted: false, null, "the origin");

        Assert.Equal(ForwardingError.UpstreamFailed, failure.Error);
        Assert.Equal(StatusCodes.Status502BadGateway, failure.Status);
    }

    [Fact]
    public void FromForwarder_TimeoutExpired_504WithTheLimit()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(TimeSpan.FromSeconds(100), time);
        time.Advance(TimeSpan.FromSeconds(100));

        var failure = ForwardingFailure.FromForwarder(ForwarderError.RequestTimedOut, new TaskCanceledException(), false, timeout, "the origin");

        Assert.Equal(ForwardingError.ResponseTimeout, failure.Error);
        Assert.Equal("Gateway timeout: the origin did not answer within 100 s.", failure.PublicText);
    }

    [Fact]
    public void FromForwarder_RequestTimedOutWithoutOurTimeout_ConnectTimeout()
    {
        var failure = ForwardingFailure.FromForwarder(ForwarderError.RequestTimedOut, new TaskCanceledException("c", new TimeoutException()), false, null, "the origin");

        Assert.Equal(ForwardingError.ConnectTimeout, failure.Error);
    }

    [Fact]
    public void Log_Failure_OneWarningWithoutTheQuery()
    {
        var logger = new ListLogger();
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/api/items";
        context.Request.QueryString = new QueryString("?token=secret-in-query");
        var failure = ForwardingFailure.FromException(ConnectFailure(SocketError.ConnectionRefused), "the origin");

        failure.Log(logger, context.Request, "http://127.0.0.1:3000/");

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(900, entry.EventId);
        Assert.StartsWith("POST /api/items to http://127.0.0.1:3000/ failed (Unreachable): answered 502. connect failed", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-in-query", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_ClientAborted_DebugLine()
    {
        var logger = new ListLogger();
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/download";

        ForwardingFailure.FromForwarder(ForwarderError.ResponseBodyClient, null, true, null, "the relay").Log(logger, context.Request, "http://relay");

        var entry = Assert.Single(logger.Entries);
        Assert.Equal((LogLevel.Debug, 901, "Client aborted GET /download"), entry);
    }

    [Fact]
    public async Task RespondAsync_NothingSent_StatusAndPlainTextNotCached()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        context.Response.Headers["X-From-Upstream"] = "half-copied";
        var failure = ForwardingFailure.FromException(ConnectFailure(SocketError.ConnectionRefused), "the origin");

        await failure.RespondAsync(context);

        Assert.Equal(502, context.Response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", context.Response.ContentType);
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        Assert.False(context.Response.Headers.ContainsKey("X-From-Upstream"));
        Assert.Equal("Bad gateway: the origin refused the connection.\n", System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()));
    }

    [Fact]
    public async Task RespondAsync_ResponseBroken_StreamResetOrConnectionAborted()
    {
        var context = new DefaultHttpContext();
        var reset = new ResetFeature();
        context.Features.Set<IHttpResetFeature>(reset);
        var failure = ForwardingFailure.FromForwarder(ForwarderError.ResponseBodyDestination, new IOException("eof"), true, null, "the origin");

        await failure.RespondAsync(context);

        Assert.Equal(0x2, reset.ErrorCode);
    }

    private sealed class ResetFeature : IHttpResetFeature
    {
        public int? ErrorCode { get; private set; }

        public void Reset(int errorCode) => ErrorCode = errorCode;
    }
}
