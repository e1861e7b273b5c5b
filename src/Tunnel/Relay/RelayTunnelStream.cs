namespace Edge.Tunnel.Relay;

/// <summary>
/// The relay's end of an upgraded agent stream. Until SocketsHttpHandler claims it, a watch loop keeps reading so a
/// connection the agent closed (or sent GOAWAY on, e.g. while it stops before its first request) is noticed and
/// dropped from the pool before any request is sent on it; the bytes it read are replayed to the first real reads.
/// Disposal (by the handler when its HTTP/2 connection ends) completes <see cref="Closed"/>. Every byte from the
/// agent is followed frame by frame, so an agent's GOAWAY completes <see cref="GoingAway"/>.
/// </summary>
internal sealed class RelayTunnelStream : Stream
{
    private readonly Stream _inner;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _goingAway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Http2GoAwayDetector _goAway = new();
    private byte[]? _early = new byte[16 * 1024];
    private Task? _watch;
    private volatile bool _claimed;
    private Exception? _watchError;
    private bool _watchEnded;
    private int _earlyOffset;
    private int _earlyCount;
    private long _bytesRead;
    private long _bytesWritten;

    public RelayTunnelStream(Stream inner)
    {
        _inner = inner;
    }

    public Task Closed => _closed.Task;

    /// <summary>Completes when the agent sent GOAWAY: no new streams on this connection; those in flight finish.</summary>
    public Task GoingAway => _goingAway.Task;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Starts the watch loop; end of stream or a failure means the agent end is gone.</summary>
    public void StartWatching() => _watch = WatchAsync();

    private async Task WatchAsync()
    {
        // Reads into the replay buffer until the handler claims the stream (it then waits for the read in progress),
        // the buffer is full (an agent that talks before being asked), or the stream ends.
        try
        {
            while (!_claimed && _earlyCount < _early!.Length)
            {
                var read = await _inner.ReadAsync(_early.AsMemory(_earlyCount)).ConfigureAwait(false);
                if (read == 0)
                {
                    _watchEnded = true;
                    _closed.TrySetResult();
                    return;
                }

                Observe(_early.AsSpan(_earlyCount, read));
                _earlyCount += read;
            }
        }
        catch (Exception ex)
        {
            _watchError = ex;
            _closed.TrySetResult();
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_watch is { } watch)
        {
            _claimed = true;
            await watch.WaitAsync(cancellationToken);
            _watch = null;
            if (_earlyCount == 0 && _watchError is { } error)
            {
                throw new IOException("the agent connection failed", error);
            }
        }

        if (_earlyCount > 0)
        {
            var n = Math.Min(buffer.Length, _earlyCount);
            _early.AsMemory(_earlyOffset, n).CopyTo(buffer);
            _earlyOffset += n;
            _earlyCount -= n;
            if (_earlyCount == 0)
            {
                _early = null;
            }

            Interlocked.Add(ref _bytesRead, n);
            return n;
        }

        if (_watchEnded)
        {
            return 0;
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Interlocked.Add(ref _bytesRead, read);
        Observe(buffer.Span[..read]);
        return read;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (_goAway.Observe(data))
        {
            _goingAway.TrySetResult();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(buffer, cancellationToken);
        Interlocked.Add(ref _bytesWritten, buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _closed.TrySetResult();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        _closed.TrySetResult();
        await base.DisposeAsync();
    }
}
