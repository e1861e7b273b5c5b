using System.Net;
using Microsoft.AspNetCore.Http;

namespace Edge.Forwarding;

/// <summary>
/// The upstream's response body as the forwarder reads it (wrapping the handler's content): bytes counted each way
/// (an upgraded connection is written to as well) and, unless <paramref name="startEarly"/> is false, the client's
/// response started the moment the forwarder would wait for the upstream's body.
/// </summary>
/// <remarks>
/// YARP sends the response headers with the first body bytes (right for gRPC, whose trailers-only answers must
/// reach the client as one HEADERS frame). A server-sent event stream or a long poll that sends headers and then
/// nothing would leave its client without even the headers; so when the upstream's body is not there yet, the
/// headers go out first. When it is (most responses), headers and body still leave in one write.
/// </remarks>
internal sealed class UpstreamResponseContent(HttpContent inner, HttpResponse response, ForwardedBytes bytes, bool startEarly) : HttpContent
{
    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new UpstreamResponseStream(await inner.ReadAsStreamAsync(cancellationToken), startEarly ? response : null, bytes);

    protected override async Task<Stream> CreateContentReadStreamAsync() =>
        new UpstreamResponseStream(await inner.ReadAsStreamAsync(), startEarly ? response : null, bytes);

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
