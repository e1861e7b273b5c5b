using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Edge.Tunnel.Forwarding;

/// <summary>
/// Which headers cross a forwarding hop. Shared by the relay's forwarder and <c>edge access</c>, so both drop the
/// same hop-by-hop headers and neither ever passes an access token on.
/// </summary>
internal static class ForwardingHeaders
{
    // Hop-by-hop headers (RFC 9110 §7.6.1) and the ones each hop sets itself: Host, X-Forwarded-* (the relay
    // replaces them, never trusts them) and the access token, which only the relay may see.
    private static readonly HashSet<string> s_notForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        TunnelProtocol.AccessTokenHeader,
    };

    /// <summary>
    /// Copies the request's end-to-end headers onto <paramref name="message"/> (content headers onto its content),
    /// leaving out hop-by-hop headers, those the <c>Connection</c> header lists, pseudo-headers and
    /// <paramref name="skip"/>. Keeps <c>TE: trailers</c>, the one TE value HTTP/2 allows (gRPC needs it). The
    /// caller sets Host and anything hop-specific.
    /// </summary>
    public static void CopyRequestHeaders(HttpRequest request, HttpRequestMessage message, HashSet<string>? skip = null)
    {
        var connectionTokens = request.Headers.Connection;
        foreach (var (name, values) in request.Headers)
        {
            if (s_notForwarded.Contains(name) || name.StartsWith(':') || ListedIn(connectionTokens, name) || (skip?.Contains(name) ?? false))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (request.Headers.TE.ToString().Contains("trailers", StringComparison.OrdinalIgnoreCase))
        {
            message.Headers.TryAddWithoutValidation("TE", "trailers");
        }
    }

    /// <summary>Copies response (or content) headers to the client's response, without hop-by-hop headers.</summary>
    public static void CopyResponseHeaders(HttpHeaders source, IHeaderDictionary target)
    {
        foreach (var (name, values) in source.NonValidated)
        {
            if (s_notForwarded.Contains(name))
            {
                continue;
            }

            target[name] = new StringValues([.. values]);
        }
    }

    private static bool ListedIn(StringValues connectionHeader, string name)
    {
        foreach (var value in connectionHeader)
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
