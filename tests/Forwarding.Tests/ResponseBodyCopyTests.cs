using System.IO.Pipelines;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding.Tests;

/// <summary>The core's copy of a plain response body: straight into the client's pipe, errors as YARP's vocabulary.</summary>
public sealed class ResponseBodyCopyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CopyAsync_BodyFlows_ReadIntoThePipeWithZeroByteReadsOnlyFirstAndAfterAShortRead()
    {
        var data = RandomBytes(200_000);
        var upstream = new ScriptedBody(data);
        var client = new ClientResponse();
        var context = client.Context();
        var bytes = new ForwardedBytes();
        using var response = Upstream(upstream);

        var (error, exception) = await ResponseBodyCopy.CopyAsync(context, response, bytes, startEarly: true, CancellationToken.None);

        Assert.Equal((ForwarderError.None, null), (error, exception));
        Assert.Equal(data, client.Received.ToArray());
        Assert.Equal(200_000, bytes.FromUpstream);

        // 64 KiB, 64 KiB, 64 KiB, 3392 (short: the upstream may pause), then the end. A zero-byte read before the first
        // read and after the short one; none while every read filled the buffer.
        Assert.Equal(2, upstream.ZeroByteReads);
        Assert.All(upstream.Reads, read => Assert.True(read.Count >= ResponseBodyCopy.BufferSize));

        // Every read went into memory the response pipe handed out: no buffer in between.
        Assert.All(upstream.Reads, read => Assert.Contains(read.Array, client.Handed));
    }

    [Fact]
    public async Task CopyAsync_BodyNotThereYet_HeadersSentBeforeTheWait()
    {
        var upstream = new ScriptedBody("data: first\n\n"u8.ToArray()) { Held = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var client = new ClientResponse();
        var context = client.Context();
        using var response = Upstream(upstream);

        var copy = ResponseBodyCopy.CopyAsync(context, response, new ForwardedBytes(), startEarly: true, CancellationToken.None).AsTask();
        await client.FirstFlush.Task.WaitAsync(Bound);
        upstream.Held!.SetResult();
        var (error, _) = await copy.WaitAsync(Bound);

        // The first flush carried no body: the headers went out while the upstream had not sent any.
        Assert.Equal(ForwarderError.None, error);
        Assert.Equal(1, client.StartCalls);
        Assert.Equal(0, client.FirstFlushBytes);
        Assert.Equal("data: first\n\n", System.Text.Encoding.ASCII.GetString(client.Received.ToArray()));
    }

    [Fact]
    public async Task CopyAsync_GrpcBodyNotThereYet_HeadersWaitForTheBody()
    {
        var upstream = new ScriptedBody([0, 0, 0, 0, 0]) { Held = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var client = new ClientResponse();
        var context = client.Context();
        using var response = Upstream(upstream);

        var copy = ResponseBodyCopy.CopyAsync(context, response, new ForwardedBytes(), startEarly: false, CancellationToken.None).AsTask();
        await upstream.Waiting.Task.WaitAsync(Bound);
        upstream.Held!.SetResult();
        var (error, _) = await copy.WaitAsync(Bound);

        // Headers and the first bytes leave together (one HEADERS frame for a trailers-only answer).
        Assert.Equal(ForwarderError.None, error);
        Assert.Equal(0, client.StartCalls);
        Assert.Equal(5, client.FirstFlushBytes);
    }

    [Fact]
    public async Task CopyAsync_UpstreamBreaksMidBody_DestinationErrorAndClientStreamReset()
    {
        var upstream = new ScriptedBody(RandomBytes(100_000)) { BreakAfter = 70_000 };
        var client = new ClientResponse();
        var context = client.Context();
        var reset = new ResetFeature();
        context.Features.Set<IHttpResetFeature>(reset);
        var bytes = new ForwardedBytes();
        using var response = Upstream(upstream);

        var (error, exception) = await ResponseBodyCopy.CopyAsync(context, response, bytes, startEarly: true, CancellationToken.None);

        Assert.Equal(ForwarderError.ResponseBodyDestination, error);
        Assert.IsType<IOException>(exception);
        Assert.Equal(0x2, reset.ErrorCode);
        Assert.Equal(70_000, bytes.FromUpstream);
        Assert.Equal(70_000, client.Received.Length);
    }

    [Fact]
    public async Task CopyAsync_UpstreamBreaksBeforeAnyByte_DestinationErrorNothingSentNothingAborted()
    {
        var upstream = new ScriptedBody(RandomBytes(1000)) { BreakAfter = 0 };
        var client = new ClientResponse();
        var context = client.Context();
        var lifetime = new Lifetime();
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        using var response = Upstream(upstream);

        var (error, _) = await ResponseBodyCopy.CopyAsync(context, response, new ForwardedBytes(), startEarly: true, CancellationToken.None);

        // The caller can still answer 502 (ForwardingFailure.RespondAsync).
        Assert.Equal(ForwarderError.ResponseBodyDestination, error);
        Assert.False(client.HasStarted);
        Assert.False(lifetime.Aborted);
    }

    [Fact]
    public async Task CopyAsync_ClientGone_ClientErrorAndUpstreamNotReadFurther()
    {
        var upstream = new ScriptedBody(RandomBytes(300_000));
        var client = new ClientResponse { Gone = true };
        var context = client.Context();
        using var response = Upstream(upstream);

        var (error, _) = await ResponseBodyCopy.CopyAsync(context, response, new ForwardedBytes(), startEarly: true, CancellationToken.None);

        Assert.Equal(ForwarderError.ResponseBodyClient, error);
        Assert.Single(upstream.Reads);
    }

    [Fact]
    public async Task CopyAsync_Cancelled_CanceledError()
    {
        var upstream = new ScriptedBody(RandomBytes(1000)) { Held = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var client = new ClientResponse();
        var context = client.Context();
        using var cancel = new CancellationTokenSource();
        using var response = Upstream(upstream);

        var copy = ResponseBodyCopy.CopyAsync(context, response, new ForwardedBytes(), startEarly: true, cancel.Token).AsTask();
        await upstream.Waiting.Task.WaitAsync(Bound);
        await cancel.CancelAsync();
        var (error, exception) = await copy.WaitAsync(Bound);

        Assert.Equal(ForwarderError.ResponseBodyCanceled, error);
        Assert.IsAssignableFrom<OperationCanceledException>(exception);
    }

    private static HttpResponseMessage Upstream(Stream body) =>
        new(HttpStatusCode.OK) { Content = new BodyContent(body) };

    private static byte[] RandomBytes(int count)
    {
        var data = new byte[count];
        new Random(count).NextBytes(data);
        return data;
    }

    private sealed class BodyContent(Stream body) : HttpContent
    {
        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(body);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => body.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>An upstream body: reads fill what is asked for (up to the data left); zero-byte reads are counted and
    /// the first can be held; it can break (IOException) after a number of bytes.</summary>
    private sealed class ScriptedBody(byte[] data) : Stream
    {
        private int _position;

        public TaskCompletionSource? Held { get; init; }

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int BreakAfter { get; init; } = -1;

        public int ZeroByteReads { get; private set; }

        public List<ArraySegment<byte>> Reads { get; } = [];

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                ZeroByteReads++;
                if (Held is { } held)
                {
                    Waiting.TrySetResult();
                    await held.Task.WaitAsync(cancellationToken);
                }

                return 0;
            }

            Assert.True(MemoryMarshal.TryGetArray<byte>(buffer, out var segment));
            Reads.Add(segment);
            if (_position == BreakAfter)
            {
                throw new IOException("The upstream closed the connection.");
            }

            var end = BreakAfter >= 0 ? BreakAfter : data.Length;
            var count = Math.Min(buffer.Length, end - _position);
            data.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush() => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The client's response: a pipe into <see cref="Received"/> that records the memory it hands out, starts
    /// the response on StartAsync or the first flush, and can be gone (flushes report completion).</summary>
    private sealed class ClientResponse : HttpResponseFeature, IHttpResponseBodyFeature
    {
        private readonly RecordingWriter _writer;
        private bool _started;

        public ClientResponse() => _writer = new RecordingWriter(PipeWriter.Create(Received, new StreamPipeWriterOptions(leaveOpen: true)), this);

        public MemoryStream Received { get; } = new();

        public List<byte[]?> Handed { get; } = [];

        public int StartCalls { get; private set; }

        public TaskCompletionSource FirstFlush { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Body bytes pending when the response was first flushed (-1 before).</summary>
        public long FirstFlushBytes { get; private set; } = -1;

        public bool Gone { get; init; }

        public override bool HasStarted => _started;

        public Stream Stream => Received;

        public PipeWriter Writer => _writer;

        public DefaultHttpContext Context()
        {
            var features = new FeatureCollection();
            features.Set<IHttpResponseFeature>(this);
            features.Set<IHttpResponseBodyFeature>(this);
            features.Set<IHttpRequestFeature>(new HttpRequestFeature());
            return new DefaultHttpContext(features);
        }

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            _started = true;
            StartCalls++;
            return Task.CompletedTask;
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task CompleteAsync() => _writer.CompleteAsync().AsTask();

        private sealed class RecordingWriter(PipeWriter inner, ClientResponse owner) : PipeWriter
        {
            public override void Advance(int bytes) => inner.Advance(bytes);

            public override Memory<byte> GetMemory(int sizeHint = 0)
            {
                var memory = inner.GetMemory(sizeHint);
                owner.Handed.Add(MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment.Array : null);
                return memory;
            }

            public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

            public override void CancelPendingFlush() => inner.CancelPendingFlush();

            public override void Complete(Exception? exception = null) => inner.Complete(exception);

            public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
            {
                owner._started = true;
                if (owner.FirstFlushBytes < 0)
                {
                    owner.FirstFlushBytes = inner.UnflushedBytes;
                }

                var result = await inner.FlushAsync(cancellationToken);
                owner.FirstFlush.TrySetResult();
                return owner.Gone ? new FlushResult(isCanceled: false, isCompleted: true) : result;
            }
        }
    }

    private sealed class ResetFeature : IHttpResetFeature
    {
        public int? ErrorCode { get; private set; }

        public void Reset(int errorCode) => ErrorCode = errorCode;
    }

    private sealed class Lifetime : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }
}
