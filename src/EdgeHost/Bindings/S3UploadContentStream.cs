namespace Edge.Host.Bindings;

/// <summary>
/// The write-only stream a worker sees for an <see cref="S3ObjectUpload"/>: asynchronous writes only (a part may have
/// to go over the network before a write returns), refused with a message once the upload is committed or abandoned.
/// </summary>
internal sealed class S3UploadContentStream : Stream
{
    private readonly S3ObjectUpload upload;
    private string? closedReason;

    public S3UploadContentStream(S3ObjectUpload upload) => this.upload = upload;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => closedReason is null;

    public override long Length => throw new NotSupportedException("The upload stream is append-only.");

    public override long Position
    {
        get => upload.Length;
        set => throw new NotSupportedException("The upload stream is append-only.");
    }

    /// <summary>Refuses further writes, giving <paramref name="reason"/> to whoever tries.</summary>
    public void Close(string reason) => closedReason ??= reason;

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("An S3 upload is written with WriteAsync: a write may send a part over the network.");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (closedReason is not null)
        {
            throw new InvalidOperationException(closedReason);
        }

        return upload.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush()
    {
        // Bytes stay in the part buffer until the part is full or the upload commits; durability is the commit's job.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The upload stream is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The upload stream is append-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The upload stream is append-only.");
}
