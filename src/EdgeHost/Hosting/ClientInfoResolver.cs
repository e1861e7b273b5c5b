using System.Net;
using Edge.Functions;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Hosting;

/// <summary>
/// Establishes who sent a request. X-Forwarded-* headers are believed only when the socket peer is a
/// configured trusted proxy; from anyone else they are ignored.
/// </summary>
internal sealed class ClientInfoResolver(IReadOnlyList<IPNetwork> trustedProxies)
{
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    public ClientInfo Resolve(HttpContext context)
    {
        var request = context.Request;
        var peer = context.Connection.RemoteIpAddress;
        var scheme = request.Scheme;
        var host = request.Host.HasValue ? request.Host.Value! : "localhost";
        // Requests through the tunnel carry the public client's address, scheme and host as forwarding headers,
        // set by our relay (which overwrites whatever the public client sent): believe them there.
        var tunneled = context.Features.Get<Edge.Tunnel.Agent.ITunnelConnectionFeature>() is not null;
        if (!tunneled && (peer is null || !IsTrusted(peer)))
        {
            return new ClientInfo(peer, scheme, host);
        }

        peer ??= IPAddress.Loopback;

        var address = peer;
        // Walk X-Forwarded-For from the right: the first hop that is not itself a trusted proxy is the client.
        var forwardedFor = request.Headers["X-Forwarded-For"].ToString();
        if (forwardedFor.Length > 0)
        {
            var hops = forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var i = hops.Length - 1; i >= 0; i--)
            {
                if (!IPAddress.TryParse(hops[i], out var hop))
                {
                    break;
                }

                address = hop;
                if (tunneled || !IsTrusted(hop))
                {
                    break;
                }
            }
        }

        var proto = FirstValue(request.Headers["X-Forwarded-Proto"].ToString());
        if (proto is "http" or "https")
        {
            scheme = proto;
        }

        var forwardedHost = FirstValue(request.Headers["X-Forwarded-Host"].ToString());
        if (forwardedHost is not null && Uri.CheckHostName(forwardedHost.Split(':')[0]) != UriHostNameType.Unknown)
        {
            host = forwardedHost;
        }

        return new ClientInfo(address, scheme, host);
    }

    private bool IsTrusted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static string? FirstValue(string header)
    {
        if (header.Length == 0)
        {
            return null;
        }

        var comma = header.IndexOf(',', StringComparison.Ordinal);
        return (comma >= 0 ? header[..comma] : header).Trim().ToLowerInvariant() is { Length: > 0 } v ? v : null;
    }
}
