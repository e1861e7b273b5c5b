using System.Buffers;
using System.Net;
using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy;

/// <summary>Forwards one plain HTTP request to the origin and streams the answer back.</summary>
/// <remarks>
/// 1. Build the origin request: same method and target, end-to-end headers, Host, X-Forwarded-*; the body streams
///    from the client as it arrives.
/// 2. Send, bounded by <see cref="OriginTimer"/> (time spent waiting on the origin only). A client abort or the
///    function's deadline cancels it and goes to the host as cancellation; failures become 502/504 with a short text.
/// 3. Copy status and headers, send them at once, then copy the body chunk by chunk, each write flushed (SSE and
///    long polls reach the client as the origin produces them), then trailers.
/// 4. The origin breaking off mid-body aborts the client's response, so the client sees a truncated response and
///    not a short one that looks complete.
/// </remarks>
internal sealed class HttpForwarder(HttpMessageInvoker http, OriginTarget origin, HttpProxyOptions options, TimeProvider time, ILogger logger)
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Forwards the request; returns the status the client got and the bytes each way.</summary>
    public async Task<(int Status, long BytesIn, long BytesOut)> ForwardAsync(HttpContext context, IFetchContext ctx)
    {
        var request = context.Request;
        var aborted = ctx.Aborted;
        using var timer = new OriginTimer(options.ResponseTimeout, time);

        // 1. Request
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), origin.TargetFor(request, webSocket: false))
        {
            // HTTP/1.1 to plain-text origins; https origins may negotiate HTTP/2 through ALPN.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
            ?? (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0);
        RequestBodyContent? body = null;
        if (hasBody)
        {
            body = new RequestBodyContent(request.Body, request.ContentLength, timer);
            message.Content = body;
        }

        ProxyHeaders.CopyRequest(request, message, origin.HostFor(request), ctx.Client);

        // 2. Send
        HttpResponseMessage response;
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timer.Token))
        {
            try
            {
                response = await http.SendAsync(message, linked.Token);
            }
            catch (Exception) when (aborted.IsCancellationRequested)
            {
                // The client left or the function's deadline passed: the host knows which and answers (or not).
                aborted.ThrowIfCancellationRequested();
                throw;
            }
            catch (Exception) when (body?.ClientFailure is { } clientFailure)
            {
                HttpProxyLog.ClientBodyFailed(logger, request.Method, request.Path.Value ?? "/", clientFailure.Message);
                await WriteErrorAsync(context.Response, StatusCodes.Status400BadRequest, "Bad request: the request body could not be read.", aborted);
                return (StatusCodes.Status400BadRequest, body.Bytes, 0);
            }
            catch (Exception ex)
            {
                var failure = OriginFailure.From(ex, timer.Expired, options.ResponseTimeout);
                HttpProxyLog.OriginFailed(logger, request.Method, request.Path.Value ?? "/", origin.Uri, failure.Error, failure.Reason, failure.Status, Describe(ex));
                var title = failure.Status == StatusCodes.Status504GatewayTimeout ? "Gateway timeout" : "Bad gateway";
                await WriteErrorAsync(context.Response, failure.Status, $"{title}: {failure.Reason}.", aborted);
                return (failure.Status, body?.Bytes ?? 0, 0);
            }
        }

        // 3. Response
        using (response)
        {
            timer.Stop();
            var target = context.Response;
            target.StatusCode = (int)response.StatusCode;
            ProxyHeaders.CopyResponse(response, target.Headers);
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var source = await response.Content.ReadAsStreamAsync(aborted);
            // Headers go out now: an SSE client sees its stream open before the first event exists.
            await target.StartAsync(aborted);
            var (bytes, complete) = await CopyBodyAsync(context, source, aborted);
            if (!complete)
            {
                return (target.StatusCode, body?.Bytes ?? 0, bytes);
            }

            if (response.TrailingHeaders.Any() && target.SupportsTrailers())
            {
                foreach (var (name, values) in response.TrailingHeaders)
                {
                    target.AppendTrailer(name, new([.. values]));
                }
            }

            return (target.StatusCode, body?.Bytes ?? 0, bytes);
        }
    }

    /// <summary>Copies the origin's body; returns the bytes copied and whether the origin's body ended properly.</summary>
    private async Task<(long Bytes, bool Complete)> CopyBodyAsync(HttpContext context, Stream source, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, aborted);
                }
                catch (Exception) when (aborted.IsCancellationRequested)
                {
                    aborted.ThrowIfCancellationRequested();
                    throw;
                }
                catch (Exception ex)
                {
                    // 4. Broken origin response
                    HttpProxyLog.OriginResponseBroken(logger, context.Request.Method, context.Request.Path.Value ?? "/", total, Describe(ex));
                    context.Abort();
                    return (total, false);
                }

                if (read == 0)
                {
                    return (total, true);
                }

                try
                {
                    // Kestrel flushes each write of the response body: the chunk reaches the client now.
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
                }
                catch (Exception) when (aborted.IsCancellationRequested)
                {
                    aborted.ThrowIfCancellationRequested();
                    throw;
                }

                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static async Task WriteErrorAsync(HttpResponse response, int status, string text, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        await response.WriteAsync(text + "\n", cancellationToken);
    }

    internal static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null && messages.Count < 4; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" -> ", messages);
    }
}
