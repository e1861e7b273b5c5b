using System.Net.Http.Headers;
using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Edge.HttpProxy;

/// <summary>Which headers cross the proxy, in each direction.</summary>
/// <remarks>
/// Hop-by-hop headers (RFC 9110 §7.6.1: Connection and every header it names, Keep-Alive, Proxy-Connection, TE,
/// Trailer, Transfer-Encoding, Upgrade, and the Proxy-Authenticate/-Authorization pair meant for this hop) stay on
/// their hop. Client-supplied forwarding headers (X-Forwarded-*, Forwarded, X-Real-IP) are dropped and replaced by
/// what the host established about the client, so an origin that trusts them cannot be lied to.
/// Kestrel keeps only <c>keep-alive</c>/<c>close</c> of an HTTP/1.1 request's Connection header, so on requests the
/// fixed list is what applies; the origin's Connection header is honoured in full.
/// </remarks>
internal static class ProxyHeaders
{
    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade",
    };

    private static readonly HashSet<string> s_requestOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        // Set from the options or the client info below.
        "Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Prefix",
        "Forwarded", "X-Real-IP",
        // Kestrel already answered 100 Continue when the body was first read; the origin must not be asked again.
        "Expect",
        // The body content carries the length it streams (or none: chunked).
        "Content-Length",
    };

    private static readonly HashSet<string> s_webSocketHandshake = new(StringComparer.OrdinalIgnoreCase)
    {
        // ClientWebSocket writes its own handshake; subprotocols are offered through its options.
        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Accept",
    };

    /// <summary>Copies the client's end-to-end headers to <paramref name="message"/> and sets Host and X-Forwarded-*.</summary>
    public static void CopyRequest(HttpRequest request, HttpRequestMessage message, string host, ClientInfo client)
    {
        var connection = request.Headers.Connection;
        foreach (var (name, values) in request.Headers)
        {
            if (IsHopByHop(name, connection) || s_requestOnly.Contains(name))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // "TE: trailers" is end to end in practice: gRPC needs it to reach the origin.
        if (request.Headers.TE.ToString().Contains("trailers", StringComparison.OrdinalIgnoreCase))
        {
            message.Headers.TryAddWithoutValidation("TE", "trailers");
        }

        message.Headers.Host = host;
        AddForwarded(client, (name, value) => message.Headers.TryAddWithoutValidation(name, value));
    }

    /// <summary>The headers of a WebSocket handshake to the origin: end-to-end ones (cookies, authorization, origin…).</summary>
    public static IEnumerable<KeyValuePair<string, string>> WebSocketRequest(HttpRequest request, string host, ClientInfo client)
    {
        var connection = request.Headers.Connection;
        foreach (var (name, values) in request.Headers)
        {
            if (IsHopByHop(name, connection) || s_requestOnly.Contains(name) || s_webSocketHandshake.Contains(name))
            {
                continue;
            }

            // One value per name in ClientWebSocket's options; cookies join with "; ", other lists with ", " (RFC 9110 §5.3).
            yield return new(name, string.Join(name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ", values.Where(v => v is not null)));
        }

        yield return new("Host", host);
        var forwarded = new List<KeyValuePair<string, string>>(3);
        AddForwarded(client, (name, value) =>
        {
            forwarded.Add(new(name, value));
            return true;
        });
        foreach (var header in forwarded)
        {
            yield return header;
        }
    }

    /// <summary>Copies the origin's end-to-end response headers (content headers included) to the client's response.</summary>
    public static void CopyResponse(HttpResponseMessage response, IHeaderDictionary target)
    {
        var connection = response.Headers.TryGetValues("Connection", out var tokens) ? new StringValues([.. tokens]) : StringValues.Empty;
        Copy(response.Headers, target, connection);
        Copy(response.Content.Headers, target, connection);
    }

    /// <summary>Copies the headers of a refused WebSocket handshake (e.g. WWW-Authenticate of a 401).</summary>
    public static void CopyResponse(IReadOnlyDictionary<string, IEnumerable<string>> headers, IHeaderDictionary target)
    {
        var connection = headers.TryGetValue("Connection", out var tokens) ? new StringValues([.. tokens]) : StringValues.Empty;
        foreach (var (name, values) in headers)
        {
            if (!IsHopByHop(name, connection) && !s_webSocketHandshake.Contains(name))
            {
                target[name] = new StringValues([.. values]);
            }
        }
    }

    private static void Copy(HttpHeaders headers, IHeaderDictionary target, StringValues connection)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            if (IsHopByHop(name, connection))
            {
                continue;
            }

            target[name] = values.Count == 1 ? new StringValues(values.ToString()) : new StringValues([.. values]);
        }
    }

    private static void AddForwarded(ClientInfo client, Func<string, string, bool> add)
    {
        if (client.Address is { } address)
        {
            add("X-Forwarded-For", (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
        }

        add("X-Forwarded-Proto", client.Scheme);
        add("X-Forwarded-Host", client.Host);
    }

    private static bool IsHopByHop(string name, StringValues connection)
    {
        if (s_hopByHop.Contains(name) || name.StartsWith(':'))
        {
            return true;
        }

        foreach (var value in connection)
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
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
