namespace Edge.Forwarding;

/// <summary>The upstream's request stream as <see cref="UpstreamRequestContent"/> hands it to the copy: each write is
/// flushed, counted, and timed against the <see cref="ResponseHeadersTimeout"/> (the time between writes is spent on
/// the client).</summary>
internal sealed class UpstreamRequestStream(Stream inner, ForwardedBytes bytes, ResponseHeadersTimeout? timeout) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        timeout?.Resume();
        try
        {
            await inner.WriteAsync(buffer, cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }
        finally
        {
            timeout?.Pause();
        }

        bytes.AddToUpstream(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        timeout?.Resume();
        try
        {
            await inner.FlushAsync(cancellationToken);
        }
        finally
        {
            timeout?.Pause();
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
