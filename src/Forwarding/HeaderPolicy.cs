using System.Collections.Frozen;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Edge.Forwarding;

/// <summary>
/// Which headers cross a forwarding hop, in each direction: the one policy of <c>builtin:http-proxy</c>,
/// <c>edge access</c> and the relay. <see cref="ForwardingTransformer"/> applies it to YARP's forwarder; forwarders that
/// build their own <see cref="HttpRequestMessage"/> (the relay over agent connections) call it directly.
/// </summary>
/// <remarks>
/// Requests:
/// <list type="number">
/// <item>Hop-by-hop headers (RFC 9110 §7.6.1: <c>Connection</c> and every header it names, <c>Keep-Alive</c>,
/// <c>Proxy-Connection</c>, <c>TE</c>, <c>Trailer</c>, <c>Transfer-Encoding</c>, <c>Upgrade</c>, the
/// <c>Proxy-Authenticate</c>/<c>-Authorization</c> pair meant for this hop) and HTTP/2 pseudo-headers stay on their
/// hop. <c>TE: trailers</c> is kept: gRPC needs it end to end, and it is the one TE value HTTP/2 allows.</item>
/// <item>Client-sent <c>X-Forwarded-For/-Proto/-Host/-Port/-Prefix</c>, <c>Forwarded</c> and <c>X-Real-IP</c> are
/// dropped, so an upstream that trusts them cannot be lied to; <c>X-Forwarded-For/-Proto/-Host</c> are set from the
/// <see cref="TrustedClient"/> the host established.</item>
/// <item><c>Host</c> is set as the caller says (the client's, or a configured one).</item>
/// <item>Anything else (cookies, <c>Authorization</c>, <c>Sec-WebSocket-*</c> with the extensions offer, <c>Expect</c>)
/// passes unchanged. A message with both <c>Transfer-Encoding</c> and <c>Content-Length</c> loses the length
/// (RFC 9112 §6.3: it may be a smuggling attempt); a request without a body loses its content headers (there is no
/// content for them to describe).</item>
/// </list>
/// Responses and trailers: hop-by-hop headers, those the upstream's <c>Connection</c> names and <c>Alt-Svc</c> (the
/// upstream's alternative services are not the proxy's) are removed; everything else passes.
/// </remarks>
public static class HeaderPolicy
{
    private static readonly FrozenSet<string> s_hopByHop = new[]
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "Proxy-Authentication-Info", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "HTTP2-Settings",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> s_requestSetByProxy = new[]
    {
        "Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Prefix",
        "Forwarded", "X-Real-IP",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // Headers HttpClient accepts only on HttpContent (System.Net.Http's KnownHeaders of type Content).
    private static readonly FrozenSet<string> s_contentHeaders = new[]
    {
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length", "Content-Location",
        "Content-MD5", "Content-Range", "Content-Type", "Expires", "Last-Modified",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>True for a header that never crosses a hop, whatever <c>Connection</c> says.</summary>
    public static bool IsHopByHop(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_hopByHop.Contains(name) || name.StartsWith(':');
    }

    /// <summary>
    /// Copies <paramref name="request"/>'s end-to-end headers onto <paramref name="message"/> (content headers onto its
    /// content, which must be set first when the request has a body; without one they are dropped) and sets Host and
    /// X-Forwarded-*.
    /// </summary>
    /// <param name="request">The client's request.</param>
    /// <param name="message">The request to the upstream.</param>
    /// <param name="host">The Host to send; null keeps the client's.</param>
    /// <param name="client">Who the client is; null sends no X-Forwarded-* (a hop whose next hop sets them from what
    /// it sees, as <c>edge access</c> in front of the relay).</param>
    /// <param name="alsoRemove">Further headers that stay on this hop (e.g. a credential meant for it only).</param>
    public static void CopyRequestHeaders(HttpRequest request, HttpRequestMessage message, string? host, TrustedClient? client, IReadOnlySet<string>? alsoRemove = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(message);
        var headers = request.Headers;
        var connection = headers.Connection;
        var chunkedAndLength = headers.ContainsKey("Transfer-Encoding") && headers.ContainsKey("Content-Length");
        foreach (var (name, values) in headers)
        {
            if (IsHopByHop(name) || s_requestSetByProxy.Contains(name) || ListedIn(connection, name) || (alsoRemove?.Contains(name) ?? false))
            {
                continue;
            }

            if (chunkedAndLength && name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            AddRequestHeader(message, name, values);
        }

        if (HasTrailersToken(headers.TE))
        {
            message.Headers.TryAddWithoutValidation("TE", "trailers");
        }

        message.Headers.Host = host ?? request.Host.Value;
        if (client is not null)
        {
            if (client.ForwardedFor is { } address)
            {
                message.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
            }

            message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", client.Scheme);
            if (client.Host.Length > 0)
            {
                message.Headers.TryAddWithoutValidation("X-Forwarded-Host", client.Host);
            }
        }
    }

    /// <summary>Copies the upstream's end-to-end response headers (content headers included) to the client's response.</summary>
    public static void CopyResponseHeaders(HttpResponseMessage response, HttpResponse target)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(target);
        var connection = ConnectionTokens(response.Headers);
        var headers = target.Headers;
        Copy(response.Headers, headers, connection);
        Copy(response.Content.Headers, headers, connection);

        // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3); a length next to it must not reach the client.
        if (response.Headers.NonValidated.Contains("Transfer-Encoding"))
        {
            headers.ContentLength = null;
        }

        // 1xx, 204 and 205 have no content: a "Content-Length: 0" HttpClient reports for them is not the upstream's.
        if (response.StatusCode is < HttpStatusCode.OK or HttpStatusCode.NoContent or HttpStatusCode.ResetContent && headers.ContentLength == 0)
        {
            headers.ContentLength = null;
        }
    }

    /// <summary>Copies the upstream's trailers to the client's response when its protocol carries trailers (HTTP/2,
    /// HTTP/3); hop-by-hop names are dropped as in headers.</summary>
    public static void CopyResponseTrailers(HttpResponseMessage response, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is not { IsReadOnly: false } trailers)
        {
            return;
        }

        Copy(response.TrailingHeaders, trailers, ConnectionTokens(response.Headers));
    }

    private static void Copy(HttpHeaders source, IHeaderDictionary target, StringValues connection)
    {
        foreach (var (name, values) in source.NonValidated)
        {
            if (IsHopByHop(name) || name.Equals("Alt-Svc", StringComparison.OrdinalIgnoreCase) || ListedIn(connection, name))
            {
                continue;
            }

            target[name] = values.Count == 1 ? new StringValues(values.ToString()) : new StringValues([.. values]);
        }
    }

    private static void AddRequestHeader(HttpRequestMessage message, string name, StringValues values)
    {
        foreach (var value in values)
        {
            // Kestrel rejects raw CR/LF in headers; a value that still carries one is not passed on.
            if (value is null || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                return;
            }
        }

        if (message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
        {
            return;
        }

        // Content headers go on the content; a request without a body has none to describe (its Content-Length is
        // implied, a Content-Type on a GET means nothing), and YARP accepts no content other than its own.
        if (s_contentHeaders.Contains(name))
        {
            message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
    }

    private static StringValues ConnectionTokens(HttpResponseHeaders headers) =>
        headers.NonValidated.TryGetValues("Connection", out var values) ? new StringValues([.. values]) : StringValues.Empty;

    private static bool HasTrailersToken(StringValues te)
    {
        foreach (var value in te)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Equals("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool ListedIn(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
