namespace Edge.Bindings;

/// <summary>
/// A forward-only, read-only view of the next <c>length</c> bytes of another stream, so a ranged read
/// hands out exactly the requested bytes without copying them. Disposing it disposes the inner stream (and
/// <c>owner</c>, what the inner stream came from, such as a network response).
/// </summary>
/// <remarks>
/// With <c>failIfShort</c>, an inner stream that ends before <c>length</c> bytes raises an <see cref="IOException"/>
/// instead of ending early: for bodies read over a network, where a cut connection must never pass for a whole object.
/// </remarks>
internal sealed class ReadOnlySubStream : Stream
{
    private readonly Stream inner;
    private readonly bool failIfShort;
    private readonly IDisposable? owner;
    private long remaining;
    private bool disposed;

    public ReadOnlySubStream(Stream inner, long length, bool failIfShort = false, IDisposable? owner = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!inner.CanRead)
        {
            throw new ArgumentException("The inner stream must be readable.", nameof(inner));
        }

        this.inner = inner;
        this.failIfShort = failIfShort;
        this.owner = owner;
        remaining = length;
    }

    public override bool CanRead => !disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("The stream is forward-only; its length is the range length.");

    public override long Position
    {
        get => throw new NotSupportedException("The stream is forward-only.");
        set => throw new NotSupportedException("The stream is forward-only.");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        return Count(inner.Read(buffer[..Limit(buffer.Length)]));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        return Count(await inner.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken));
    }

    public override void Flush()
    {
        // Nothing is ever written; Flush exists only because Stream requires it.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The stream is forward-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The stream is read-only.");

    public override async ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            disposed = true;
            await inner.DisposeAsync();
            owner?.Dispose();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            disposed = true;
            inner.Dispose();
            owner?.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Limit(int requested) => (int)Math.Min(requested, remaining);

    private int Count(int read)
    {
        if (read == 0 && failIfShort)
        {
            throw new IOException($"The body ended {remaining} bytes early.");
        }

        remaining -= read;
        return read;
    }
}
