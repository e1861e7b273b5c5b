namespace Edge.Bindings;

/// <summary>
/// The write-only stream a worker sees for a <see cref="MultipartObjectUpload"/>. Writes are refused with a message once the
/// upload is committed or abandoned. A write may have to send a part over the network before it returns, so
/// asynchronous writes are the ones to use; a synchronous one blocks its thread for that.
/// </summary>
internal sealed class MultipartUploadContentStream : Stream
{
    private readonly MultipartObjectUpload upload;
    private string? closedReason;

    public MultipartUploadContentStream(MultipartObjectUpload upload) => this.upload = upload;

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

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>
    /// Copies into the part buffer; when that fills, blocks the calling thread while the part goes over the network.
    /// Prefer <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// </summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (closedReason is not null)
        {
            throw new InvalidOperationException(closedReason);
        }

        var copied = upload.TryCopy(buffer);
        if (copied < buffer.Length)
        {
            upload.WriteAsync(buffer[copied..].ToArray(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

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
