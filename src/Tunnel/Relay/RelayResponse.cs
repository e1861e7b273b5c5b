using Edge.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Relay;

/// <summary>
/// Streams an agent's response to the public client: the relay's own copy path, read straight into the response pipe
/// (one copy fewer per byte than YARP's forwarder, which measured slower here: see docs/benchmarks.md), with headers and
/// trailers under the forwarding core's <see cref="HeaderPolicy"/>. <c>edge access</c> and <c>builtin:http-proxy</c>
/// use YARP's forwarder with <see cref="ForwardingTransformer"/>.
/// </summary>
internal static class RelayResponse
{
    /// <summary>Bytes asked of the response pipe per read: large enough for full-speed layer downloads, small enough to
    /// flush often.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>
    /// Copies <paramref name="response"/> to the client without buffering it.
    /// </summary>
    /// <remarks>
    /// 1. Status and end-to-end headers, response buffering off, headers sent at once (an SSE client sees the
    ///    response start before the first event).
    /// 2. Body copied chunk by chunk as it arrives; <paramref name="onChunk"/> sees each chunk's size.
    /// 3. Trailers, when the client's protocol carries them.
    /// An upstream read failure aborts the client's connection (<see cref="ResponseCopyOutcome.UpstreamFailed"/>,
    /// with the exception); a client abort or write failure ends with <see cref="ResponseCopyOutcome.ClientAborted"/>.
    /// </remarks>
    public static async Task<(ResponseCopyOutcome Outcome, Exception? Error)> CopyAsync(HttpContext context, HttpResponseMessage response, Action<int>? onChunk)
    {
        var aborted = context.RequestAborted;
        var target = context.Response;

        // 1. Status and headers.
        target.StatusCode = (int)response.StatusCode;
        HeaderPolicy.CopyResponseHeaders(response, target);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        try
        {
            await target.StartAsync(aborted);
            await using var upstream = await response.Content.ReadAsStreamAsync(aborted);

            // 2. Body, read straight into the response pipe's memory: one copy fewer per byte than a buffer between.
            var writer = target.BodyWriter;
            while (true)
            {
                int read;
                try
                {
                    read = await upstream.ReadAsync(writer.GetMemory(BufferSize), aborted);
                }
                catch (Exception ex) when (!aborted.IsCancellationRequested)
                {
                    context.Abort();
                    return (ResponseCopyOutcome.UpstreamFailed, ex);
                }

                if (read == 0)
                {
                    break;
                }

                onChunk?.Invoke(read);
                writer.Advance(read);
                var flushed = await writer.FlushAsync(aborted);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    // The client's side of the pipe is gone.
                    return (ResponseCopyOutcome.ClientAborted, null);
                }
            }

            // 3. Trailers.
            HeaderPolicy.CopyResponseTrailers(response, context);

            return (ResponseCopyOutcome.Completed, null);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested || ex is IOException or ObjectDisposedException)
        {
            return (ResponseCopyOutcome.ClientAborted, ex);
        }
    }

    /// <summary>
    /// Copies bytes both ways between an upgraded client connection and an upstream stream until either side ends,
    /// then stops the other direction. Framing (WebSocket) is end to end; nothing is parsed.
    /// </summary>
    public static async Task SpliceAsync(Stream client, Stream upstream, Action<int>? toUpstream, Action<int>? toClient, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = PumpAsync(client, upstream, toUpstream, done.Token);
        var down = PumpAsync(upstream, client, toClient, done.Token);
        await Task.WhenAny(up, down);
        await done.CancelAsync();
        await Task.WhenAll(up, down);
    }

    private static async Task PumpAsync(Stream source, Stream destination, Action<int>? counted, CancellationToken cancellationToken)
    {
        // Not pooled: a stream that ignores cancellation may still write into it after the session ended.
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await destination.FlushAsync(cancellationToken);
                counted?.Invoke(read);
            }
        }
        catch (Exception)
        {
            // Either side ending ends the session; SpliceAsync cancels the other direction.
        }
    }
}
