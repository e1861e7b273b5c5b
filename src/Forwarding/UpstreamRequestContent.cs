using System.Net;

namespace Edge.Forwarding;

/// <summary>
/// The client's request body on its way to the upstream (wrapping the content that copies it, YARP's, as
/// <see cref="ForwardingInvoker"/> hands it to the handler): every chunk is flushed as it is written, so a streaming
/// upload (or a gRPC client stream) reaches the upstream chunk by chunk, bytes are counted, and a
/// <see cref="ResponseHeadersTimeout"/> runs only while the upstream takes a chunk, not while the client is awaited.
/// </summary>
internal sealed class UpstreamRequestContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly ForwardedBytes _bytes;
    private readonly ResponseHeadersTimeout? _timeout;

    public UpstreamRequestContent(HttpContent inner, ForwardedBytes bytes, ResponseHeadersTimeout? timeout)
    {
        _inner = inner;
        _bytes = bytes;
        _timeout = timeout;
        foreach (var (name, values) in inner.Headers.NonValidated)
        {
            Headers.TryAddWithoutValidation(name, values);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _bytes.MarkRequestBodyStarted();
        _timeout?.Pause();
        try
        {
            await _inner.CopyToAsync(new UpstreamRequestStream(stream, _bytes, _timeout), context, cancellationToken);
        }
        finally
        {
            // The body is all sent: from here the upstream owes the answer.
            _timeout?.Resume();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        // A known length is in Headers.ContentLength (copied from the client); otherwise the body is chunked.
        length = 0;
        return false;
    }

    protected override Task<Stream> CreateContentReadStreamAsync() =>
        throw new NotSupportedException("The request body streams once, to the upstream.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
