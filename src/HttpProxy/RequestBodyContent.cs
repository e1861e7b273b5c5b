using System.Buffers;
using System.Net;

namespace Edge.HttpProxy;

/// <summary>
/// The client's request body, streamed to the origin chunk by chunk as it arrives (never buffered whole). Records
/// whether a failure came from reading the client, so it is not blamed on the origin.
/// </summary>
internal sealed class RequestBodyContent : HttpContent
{
    private const int BufferSize = 64 * 1024;
    private readonly Stream _source;
    private readonly long? _length;
    private readonly OriginTimer _timer;
    private long _bytes;

    public RequestBodyContent(Stream source, long? length, OriginTimer timer)
    {
        _source = source;
        _length = length;
        _timer = timer;
        if (length is { } known)
        {
            Headers.ContentLength = known;
        }
    }

    /// <summary>The exception reading the client's body threw, if it did.</summary>
    public Exception? ClientFailure { get; private set; }

    /// <summary>Bytes sent to the origin so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int read;
                _timer.Pause();
                try
                {
                    read = await _source.ReadAsync(buffer, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    ClientFailure = ex;
                    throw;
                }
                finally
                {
                    _timer.Resume();
                }

                if (read == 0)
                {
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                // Each chunk goes out as it came in: streaming uploads (and gRPC-style client streams) must not wait for
                // the next one.
                await stream.FlushAsync(cancellationToken);
                Interlocked.Add(ref _bytes, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length ?? 0;
        return _length is not null;
    }

    // The body can be read only once: a retry by the handler would send nothing.
    protected override Task<Stream> CreateContentReadStreamAsync() => throw new NotSupportedException("The request body streams once.");
}
