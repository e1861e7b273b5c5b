using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Forwarding;

/// <summary>
/// When a forward that failed may be sent again on another connection: the one rule of every forwarder that has
/// another connection to try (the relay across a tunnel's agents, <c>edge access</c> to its relay).
/// </summary>
/// <remarks>
/// A request is sent again only while nothing of the response has reached the client, and only when sending it twice
/// cannot do harm:
/// <list type="number">
/// <item>it provably never reached the upstream (no connection could carry it, or HTTP/2 REFUSED_STREAM, which
/// RFC 9113 §8.7 defines as "not processed") and no byte of its body was read; or</item>
/// <item>it is idempotent and has no body (GET, HEAD, OPTIONS), as nginx's <c>proxy_next_upstream</c> does: the
/// upstream may have seen it, but running it again changes nothing.</item>
/// </list>
/// </remarks>
public static class RetryRule
{
    /// <summary>GET, HEAD or OPTIONS with no body: safe to send again even if the upstream saw it.</summary>
    public static bool IsIdempotentWithoutBody(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var method = request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method))
        {
            return false;
        }

        var canHaveBody = request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
            ?? (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0);
        return !canHaveBody;
    }

    /// <summary>Whether a failed attempt of <paramref name="request"/> may be sent again on another connection.</summary>
    /// <param name="request">The client's request.</param>
    /// <param name="neverReachedUpstream">The failure proves the upstream never received the request.</param>
    /// <param name="bodyStarted">A byte of the request body was read (a body read once cannot be replayed).</param>
    public static bool MaySendAgain(HttpRequest request, bool neverReachedUpstream, bool bodyStarted)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Response.HasStarted || request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        return (neverReachedUpstream && !bodyStarted) || IsIdempotentWithoutBody(request);
    }

    /// <summary>
    /// True when <paramref name="exception"/> proves the request never reached the upstream: the connection could not
    /// be opened (name resolution, TCP connect or TLS failed, so no request byte was written), or HTTP/2 REFUSED_STREAM.
    /// A forwarder with its own proof (the relay's connection gone before the send) adds it.
    /// </summary>
    public static bool NeverReachedUpstream(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError })
            {
                return true;
            }

            if (e is HttpProtocolException { ErrorCode: 0x7 })
            {
                return true;
            }
        }

        return false;
    }
}
