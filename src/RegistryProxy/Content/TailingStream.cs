namespace Edge.RegistryProxy.Content;

/// <summary>
/// Reads a file that a <see cref="BlobDownload"/> is still writing: never past what was announced, waiting
/// for more, ending when the download committed and throwing when it failed.
/// </summary>
internal sealed class TailingStream(BlobDownload download, Stream file) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (true)
        {
            var available = download.Readable - _position;
            if (available > 0)
            {
                var toRead = (int)Math.Min(available, buffer.Length);
                var read = await file.ReadAsync(buffer[..toRead], cancellationToken);
                if (read == 0)
                {
                    throw new IOException("The spooled blob ended before the bytes announced for it.");
                }

                _position += read;
                return read;
            }

            var verified = download.Verified;
            if (verified.IsCompleted)
            {
                // Rethrows the download's failure; once verified, everything up to Written is readable.
                await verified;
                if (_position >= download.Written)
                {
                    return 0;
                }

                continue;
            }

            await download.WaitForAsync(_position, cancellationToken);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await file.DisposeAsync();
        await base.DisposeAsync();
    }
}
