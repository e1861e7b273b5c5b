using Amazon.S3.Model;

namespace Edge.Host.Bindings;

/// <summary>
/// The body of an S3 GET as an <see cref="Edge.Functions.ObjectBody"/> hands it out: exactly <c>length</c> bytes, an
/// <see cref="IOException"/> if the connection ends before them (never a silently short object), and the response
/// (its connection) released on dispose.
/// </summary>
internal sealed class S3ResponseStream : Stream
{
    private readonly GetObjectResponse response;
    private readonly Stream inner;
    private long remaining;
    private bool disposed;

    public S3ResponseStream(GetObjectResponse response, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        this.response = response;
        inner = response.ResponseStream;
        remaining = length;
    }

    public override bool CanRead => !disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("The stream is forward-only; its length is the body's length.");

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

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            disposed = true;
            response.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Limit(int requested) => (int)Math.Min(requested, remaining);

    private int Count(int read)
    {
        if (read == 0)
        {
            throw new IOException($"The S3 store ended the object's body {remaining} bytes early.");
        }

        remaining -= read;
        return read;
    }
}
