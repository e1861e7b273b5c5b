using System.Collections.Frozen;
using Edge.Forwarding;
using Microsoft.AspNetCore.Http;

namespace Edge.Tunnel.Access;

/// <summary>
/// The forwarding core's header policy for <c>edge access</c>: Host is the private hostname, the access token is added,
/// and any token the local client sent is dropped (it never passes on, whoever wrote it). No X-Forwarded-*: the relay
/// sets them from what it sees and discards what it gets.
/// </summary>
internal sealed class AccessTransformer(string hostname, string token, ForwardedBytes bytes)
    : ForwardingTransformer(hostname, client: null, bytes, s_tokenHeader)
{
    private static readonly FrozenSet<string> s_tokenHeader = new[] { TunnelProtocol.AccessTokenHeader }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.TryAddWithoutValidation(TunnelProtocol.AccessTokenHeader, token);
    }
}
