using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Forwarding.Tests;

/// <summary>The request-side half of the core on a fake clock: the time-to-headers timeout and the body pacing.</summary>
public sealed class ForwardingInvokerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(100);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SendAsync_UpstreamSilentBeyondLimit_SendCancelledAndTimeoutExpired()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);
        var upstream = new Upstream(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var inner = new HttpMessageInvoker(upstream);
        using var invoker = new ForwardingInvoker(inner, new ForwardedBytes(), timeout);

        using var request = new HttpRequestMessage(HttpMethod.Get, "http://origin.test/");
        var send = invoker.SendAsync(request, CancellationToken.None);
        await upstream.Called.Task.WaitAsync(Bound);
        time.Advance(Limit);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(Bound));
        Assert.True(timeout.Expired);
    }

    [Fact]
    public async Task SendAsync_ClientBodySlowerThanLimit_TimeWaitingForClientNotCounted()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);
        var client = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = new SlowClientContent(client.Task);
        var received = new MemoryStream();
        var upstream = new Upstream(async (request, token) =>
        {
            await request.Content!.CopyToAsync(received, token);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var inner = new HttpMessageInvoker(upstream);
        var bytes = new ForwardedBytes();
        using var invoker = new ForwardingInvoker(inner, bytes, timeout);

        using var request = new HttpRequestMessage(HttpMethod.Post, "http://origin.test/upload") { Content = body };
        var send = invoker.SendAsync(request, CancellationToken.None);
        await body.FirstChunkWritten.Task.WaitAsync(Bound);
        time.Advance(Limit * 3);
        var cancelledWhileClientWasSlow = timeout.Token.IsCancellationRequested;
        client.SetResult();
        using var response = await send.WaitAsync(Bound);

        Assert.False(cancelledWhileClientWasSlow);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("firstsecond", System.Text.Encoding.ASCII.GetString(received.ToArray()));
        Assert.Equal(11, bytes.ToUpstream);
        Assert.True(bytes.RequestBodyStarted);
        Assert.False(timeout.Expired);
    }

    [Fact]
    public async Task SendAsync_HeadersArrived_NothingExpiresAfterwards()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);
        using var inner = new HttpMessageInvoker(new Upstream((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK))));
        using var invoker = new ForwardingInvoker(inner, new ForwardedBytes(), timeout);

        using var request = new HttpRequestMessage(HttpMethod.Get, "http://origin.test/events");
        using var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Bound);
        time.Advance(TimeSpan.FromHours(5));

        Assert.False(timeout.Token.IsCancellationRequested);
        Assert.False(timeout.Expired);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_SendCancelledNotCountedAsTimeout()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);
        var upstream = new Upstream(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var inner = new HttpMessageInvoker(upstream);
        using var invoker = new ForwardingInvoker(inner, new ForwardedBytes(), timeout);
        using var caller = new CancellationTokenSource();

        using var request = new HttpRequestMessage(HttpMethod.Get, "http://origin.test/");
        var send = invoker.SendAsync(request, caller.Token);
        await upstream.Called.Task.WaitAsync(Bound);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(Bound));
        Assert.False(timeout.Expired);
    }

    [Fact]
    public async Task SendAsync_RequestBody_EveryChunkFlushedAsWritten()
    {
        var flushes = new FlushCountingStream();
        var upstream = new Upstream(async (request, token) =>
        {
            await request.Content!.CopyToAsync(flushes, token);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var inner = new HttpMessageInvoker(upstream);
        using var invoker = new ForwardingInvoker(inner, new ForwardedBytes());

        using var request = new HttpRequestMessage(HttpMethod.Post, "http://origin.test/") { Content = new SlowClientContent(Task.CompletedTask) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal([5, 6], flushes.WrittenBeforeEachFlush);
        Assert.Equal("text/plain", request.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Writes "first", then waits for the client, then writes "second".</summary>
    private sealed class SlowClientContent(Task client) : HttpContent
    {
        public TaskCompletionSource FirstChunkWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync("first"u8.ToArray(), cancellationToken);
            FirstChunkWritten.SetResult();
            await client.WaitAsync(cancellationToken);
            await stream.WriteAsync("second"u8.ToArray(), cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private sealed class FlushCountingStream : MemoryStream
    {
        private long _flushedAt;

        public List<long> WrittenBeforeEachFlush { get; } = [];

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            WrittenBeforeEachFlush.Add(Length - _flushedAt);
            _flushedAt = Length;
            return Task.CompletedTask;
        }
    }

    private sealed class Upstream(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Called.TrySetResult();
            return answer(request, cancellationToken);
        }
    }
}
