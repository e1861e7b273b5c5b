namespace Edge.Tunnel.Relay;

/// <summary>
/// The relay's end of an upgraded agent stream. Until SocketsHttpHandler claims it, one read is kept pending so a
/// connection the agent closed is noticed (and dropped from the pool) before any request is sent on it; the bytes of
/// that read are replayed to the first real read. Disposal (by the handler when its HTTP/2 connection ends) completes
/// <see cref="Closed"/>.
/// </summary>
internal sealed class RelayTunnelStream : Stream
{
    private readonly Stream _inner;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _early = new byte[16 * 1024];
    private Task<int>? _earlyRead;
    private int _earlyOffset;
    private int _earlyCount;
    private long _bytesRead;
    private long _bytesWritten;

    public RelayTunnelStream(Stream inner)
    {
        _inner = inner;
    }

    public Task Closed => _closed.Task;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Starts the watching read; a 0-byte read or a failure means the agent end is gone.</summary>
    public void StartWatching()
    {
        _earlyRead = _inner.ReadAsync(_early!).AsTask();
        _earlyRead.ContinueWith(
            static (t, state) =>
            {
                if (!t.IsCompletedSuccessfully || t.Result == 0)
                {
                    ((RelayTunnelStream)state!)._closed.TrySetResult();
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_earlyRead is { } pending)
        {
            _earlyCount = await pending.WaitAsync(cancellationToken);
            _earlyRead = null;
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

        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Interlocked.Add(ref _bytesRead, read);
        return read;
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
