namespace Edge.Tunnel.Relay;

/// <summary>The public client's request body as sent upstream: records whether reading started (after that a
/// request can never be retried) and counts bytes.</summary>
internal sealed class RequestBodyStream : Stream
{
    private readonly Stream _inner;
    private readonly TunnelCounters _counters;
    private volatile bool _started;

    public RequestBodyStream(Stream inner, TunnelCounters counters)
    {
        _inner = inner;
        _counters = counters;
    }

    public bool Started => _started;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _started = true;
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Interlocked.Add(ref _counters.BytesToAgent, read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
