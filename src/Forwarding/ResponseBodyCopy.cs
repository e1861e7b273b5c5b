using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding;

/// <summary>
/// Copies a plain (not upgraded) upstream response body to the client for <see cref="ForwardingTransformer"/>: read
/// straight into the client's response pipe, flushed chunk by chunk, then the trailers. The outcome is YARP's error
/// vocabulary, so the caller maps it like any other forwarder result (<see cref="ForwardingFailure.FromForwarder"/>).
/// </summary>
/// <remarks>
/// YARP's own copy reads into a pooled buffer and writes that to the response stream, which copies it into the pipe,
/// and asks the upstream for zero bytes before every read. Reading into the pipe's memory saves the copy, and the
/// zero-byte read is asked only where it helps: before the first read (if the body is not there yet, the headers go
/// out first, so a server-sent event stream or a long poll shows its client the response at once) and after a read
/// that came back short (the upstream may be pausing: an idle event stream then waits without holding a buffer).
/// While the body flows (each read fills the buffer) the next read follows at once.
/// </remarks>
internal static class ResponseBodyCopy
{
    /// <summary>Bytes asked of the response pipe per read: YARP's buffer size, large enough for full-speed downloads,
    /// small enough that an event stream is flushed event by event.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>
    /// Copies <paramref name="upstream"/>'s body to <paramref name="context"/>'s response. Returns
    /// <see cref="ForwarderError.None"/>, or what failed with its exception: the upstream broke off
    /// (<see cref="ForwarderError.ResponseBodyDestination"/>; a started response is then reset or aborted, so it cannot
    /// look complete), the client went away (<see cref="ForwarderError.ResponseBodyClient"/>) or
    /// <paramref name="cancellationToken"/> ended the exchange (<see cref="ForwarderError.ResponseBodyCanceled"/>).
    /// </summary>
    /// <param name="context">The client's exchange; status and headers are set, the response not started.</param>
    /// <param name="upstream">The upstream's response.</param>
    /// <param name="bytes">Where the body's bytes are counted.</param>
    /// <param name="startEarly">Send the headers before waiting for the first body bytes (false for gRPC, whose
    /// trailers-only answers must reach the client as one HEADERS frame, as YARP sends them).</param>
    /// <param name="cancellationToken">The forwarder's token: the client's abort or the caller's cancellation.</param>
    public static async ValueTask<(ForwarderError Error, Exception? Exception)> CopyAsync(
        HttpContext context, HttpResponseMessage upstream, ForwardedBytes bytes, bool startEarly, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var writer = response.BodyWriter;
        Stream body;
        try
        {
            body = await upstream.Content.ReadAsStreamAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            return Failed(context, ex, reading: true, cancellationToken);
        }

        await using (body)
        {
            var waitFirst = true;
            while (true)
            {
                int read;
                var reading = true;
                try
                {
                    if (waitFirst)
                    {
                        // 1. Wait for the body without holding a buffer; the headers go first if it is not there yet.
                        var ready = body.ReadAsync(Memory<byte>.Empty, cancellationToken);
                        if (ready.IsCompletedSuccessfully)
                        {
                            _ = ready.Result;
                        }
                        else
                        {
                            if (startEarly && !response.HasStarted)
                            {
                                reading = false;
                                await response.StartAsync(cancellationToken);
                                await writer.FlushAsync(cancellationToken);
                                reading = true;
                            }

                            await ready;
                        }
                    }

                    // 2. Read straight into the response pipe.
                    var memory = writer.GetMemory(BufferSize);
                    read = await body.ReadAsync(memory, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    waitFirst = read < memory.Length;
                    bytes.AddFromUpstream(read);

                    // 3. On to the client, chunk by chunk.
                    reading = false;
                    writer.Advance(read);
                    var flushed = await writer.FlushAsync(cancellationToken);
                    if (flushed.IsCanceled || flushed.IsCompleted)
                    {
                        return Failed(context, new OperationCanceledException("The client's response ended."), reading: false, cancellationToken);
                    }
                }
                catch (Exception ex)
                {
                    return Failed(context, ex, reading, cancellationToken);
                }
            }
        }

        return (ForwarderError.None, null);
    }

    private static (ForwarderError, Exception) Failed(HttpContext context, Exception exception, bool reading, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return (ForwarderError.ResponseBodyCanceled, exception);
        }

        if (!reading)
        {
            return (ForwarderError.ResponseBodyClient, exception);
        }

        // The upstream broke off. Bytes already sent must not look like a complete response (YARP does the same).
        if (context.Response.HasStarted)
        {
            if (context.Features.Get<IHttpResetFeature>() is { } reset)
            {
                // HTTP/2 INTERNAL_ERROR: only this stream ends.
                reset.Reset(0x2);
            }
            else
            {
                context.Abort();
            }
        }

        return (ForwarderError.ResponseBodyDestination, exception);
    }
}
