namespace Edge.Forwarding;

/// <summary>The upstream side of an upgraded connection, counted both ways (see <see cref="UpstreamResponseContent"/>).</summary>
/// <remarks>
/// YARP's copy loop asks for zero bytes before each read, so that an idle connection holds no buffer; on a socket each
/// such read costs a system call. While bytes flow (the last read filled the whole buffer) the zero-byte read is
/// answered at once instead: the next read finds data anyway, and a bulk transfer makes half as many reads. Once a
/// read comes back short the upstream may pause, and zero-byte reads go to the socket again.
/// </remarks>
internal sealed class UpstreamResponseStream(Stream inner, ForwardedBytes bytes) : Stream
{
    private bool _flowing;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty && _flowing)
        {
            return new ValueTask<int>(0);
        }

        var read = inner.ReadAsync(buffer, cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            var count = read.Result;
            Counted(buffer, count);
            return new ValueTask<int>(count);
        }

        return WaitAsync(read, buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        bytes.AddToUpstream(buffer.Length);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        bytes.AddToUpstream(count);
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Counted(Memory<byte> buffer, int count)
    {
        if (!buffer.IsEmpty)
        {
            _flowing = count == buffer.Length;
            bytes.AddFromUpstream(count);
        }
    }

    private async ValueTask<int> WaitAsync(ValueTask<int> read, Memory<byte> buffer)
    {
        var count = await read;
        Counted(buffer, count);
        return count;
    }
}
