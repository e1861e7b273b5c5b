namespace Edge.Bindings;

/// <summary>
/// The write-only stream a worker sees for an upload. It counts the bytes written (the object's size) and
/// refuses writes once the upload is committed or abandoned, with a message saying so; the file stream
/// underneath belongs to the upload, so disposing this stream does not close it.
/// </summary>
internal sealed class UploadContentStream : Stream
{
    private readonly FileStream file;
    private string? closedReason;

    public UploadContentStream(FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        this.file = file;
    }

    /// <summary>How many bytes were written.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => closedReason is null;

    public override long Length => throw new NotSupportedException("The upload stream is append-only.");

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException("The upload stream is append-only.");
    }

    /// <summary>Refuses further writes, giving <paramref name="reason"/> to whoever tries.</summary>
    public void Close(string reason) => closedReason ??= reason;

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfClosed();
        file.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        await file.WriteAsync(buffer, cancellationToken);
        BytesWritten += buffer.Length;
    }

    public override void Flush()
    {
        // Writes are unbuffered (see DiskObjectUpload), so there is nothing to push; durability is the commit's job.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The upload stream is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The upload stream is append-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The upload stream is append-only.");

    private void ThrowIfClosed()
    {
        if (closedReason is not null)
        {
            throw new InvalidOperationException(closedReason);
        }
    }
}
