using System.Collections.Frozen;
using System.Net.Http.Headers;
using Edge.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Edge.Tunnel.Forwarding;

/// <summary>
/// The relay's entry to the forwarding core's <see cref="HeaderPolicy"/> until the relay calls it directly: the same
/// request rules as <c>builtin:http-proxy</c> and <c>edge access</c> (hop-by-hop headers, client-sent X-Forwarded-*,
/// Forwarded and X-Real-IP dropped), and the access token never passed on.
/// </summary>
internal static class ForwardingHeaders
{
    private static readonly FrozenSet<string> s_tokenHeader = new[] { TunnelProtocol.AccessTokenHeader }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Copies the request's end-to-end headers onto <paramref name="message"/> under <see cref="HeaderPolicy"/>, also
    /// leaving out the access token and <paramref name="skip"/>. Host is the client's; the caller sets X-Forwarded-*
    /// (and may set another Host).
    /// </summary>
    public static void CopyRequestHeaders(HttpRequest request, HttpRequestMessage message, HashSet<string>? skip = null)
    {
        IReadOnlySet<string> remove = s_tokenHeader;
        if (skip is { Count: > 0 })
        {
            var both = new HashSet<string>(skip, StringComparer.OrdinalIgnoreCase) { TunnelProtocol.AccessTokenHeader };
            remove = both;
        }

        HeaderPolicy.CopyRequestHeaders(request, message, host: null, client: null, remove);
    }

    /// <summary>Copies response (or content) headers to the client's response, without hop-by-hop headers.</summary>
    public static void CopyResponseHeaders(HttpHeaders source, IHeaderDictionary target)
    {
        foreach (var (name, values) in source.NonValidated)
        {
            if (HeaderPolicy.IsHopByHop(name) || name.Equals(TunnelProtocol.AccessTokenHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            target[name] = new StringValues([.. values]);
        }
    }
}
