namespace Edge.Bindings.Azure;

/// <summary>
/// The body of an Azure download as the worker reads it. The SDK's stream tries a cut read again (from where it
/// stopped, and only from the same version of the blob); what it cannot recover from surfaces here as an
/// <see cref="IOException"/> naming the bucket and the key, like every other failure of the store.
/// </summary>
internal sealed class AzureBodyStream : Stream
{
    private readonly AzureObjectBucket bucket;
    private readonly string key;
    private readonly Stream inner;

    public AzureBodyStream(AzureObjectBucket bucket, string key, Stream inner)
    {
        this.bucket = bucket;
        this.key = key;
        this.inner = inner;
    }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("The body is forward-only.");

    public override long Position
    {
        get => throw new NotSupportedException("The body is forward-only.");
        set => throw new NotSupportedException("The body is forward-only.");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception ex) when (AzureObjectBucket.IsStoreFailure(ex, CancellationToken.None))
        {
            throw bucket.Failure("GET (body)", key, ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (AzureObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure("GET (body)", key, ex);
        }
    }

    public override void Flush()
    {
        // Nothing is ever written; Flush exists only because Stream requires it.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The body is forward-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The body is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The body is read-only.");

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
