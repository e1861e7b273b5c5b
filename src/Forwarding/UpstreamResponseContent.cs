using System.Net;

namespace Edge.Forwarding;

/// <summary>
/// An upgraded connection's upstream side (a WebSocket after 101, or an extended CONNECT stream) as YARP carries it:
/// wraps the handler's content so that bytes are counted each way (<see cref="UpstreamResponseStream"/>). Plain
/// responses do not pass here: <see cref="ResponseBodyCopy"/> sends them.
/// </summary>
internal sealed class UpstreamResponseContent(HttpContent inner, ForwardedBytes bytes) : HttpContent
{
    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new UpstreamResponseStream(await inner.ReadAsStreamAsync(cancellationToken), bytes);

    protected override async Task<Stream> CreateContentReadStreamAsync() =>
        new UpstreamResponseStream(await inner.ReadAsStreamAsync(), bytes);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        inner.CopyToAsync(stream, context);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        inner.CopyToAsync(stream, context, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
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
