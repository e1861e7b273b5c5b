using Microsoft.AspNetCore.Http;

namespace Edge.Forwarding;

/// <summary>The upstream's response stream, counted; with <paramref name="startBeforeWaiting"/> the client's response
/// is started before the first read that would wait (see <see cref="UpstreamResponseContent"/>). Writes go through
/// (an upgraded connection is duplex).</summary>
internal sealed class UpstreamResponseStream(Stream inner, HttpResponse? startBeforeWaiting, ForwardedBytes bytes) : Stream
{
    private HttpResponse? _startBeforeWaiting = startBeforeWaiting;

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
        var read = inner.ReadAsync(buffer, cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            var count = read.Result;
            if (count > 0)
            {
                // The headers leave with these bytes.
                _startBeforeWaiting = null;
                bytes.AddFromUpstream(count);
            }

            return new ValueTask<int>(count);
        }

        return WaitAsync(read, cancellationToken);
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

    private async ValueTask<int> WaitAsync(ValueTask<int> read, CancellationToken cancellationToken)
    {
        if (_startBeforeWaiting is { HasStarted: false } response)
        {
            _startBeforeWaiting = null;
            try
            {
                // StartAsync only makes the headers final; the flush puts them on the wire.
                await response.StartAsync(cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The client is gone: the forwarder's next write to it fails and reports that.
            }
            catch (OperationCanceledException)
            {
                // Cancelled with the read: awaiting the read below reports it.
            }
        }

        var count = await read;
        if (count > 0)
        {
            _startBeforeWaiting = null;
            bytes.AddFromUpstream(count);
        }

        return count;
    }
}
