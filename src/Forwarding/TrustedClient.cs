using System.Net;
using Microsoft.AspNetCore.Http;

namespace Edge.Forwarding;

/// <summary>
/// Who sent a request, as the forwarding host established it (the socket peer, or what a proxy it trusts told it),
/// never as the request's own headers claim. <see cref="HeaderPolicy"/> sends it on as <c>X-Forwarded-For</c>,
/// <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c>.
/// </summary>
/// <param name="Address">The client's IP address, when known.</param>
/// <param name="Scheme"><c>http</c> or <c>https</c>, as the client used it.</param>
/// <param name="Host">The Host (with port) the client addressed.</param>
public sealed record TrustedClient(IPAddress? Address, string Scheme, string Host)
{
    /// <summary>The client as this connection shows it: the socket peer, the request's scheme and Host. For hosts
    /// that trust no proxy in front of them (the relay's public entry).</summary>
    public static TrustedClient FromConnection(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new TrustedClient(context.Connection.RemoteIpAddress, context.Request.Scheme, context.Request.Host.Value ?? "");
    }

    /// <summary>The address as <c>X-Forwarded-For</c> carries it (IPv4-mapped IPv6 addresses as plain IPv4).</summary>
    public string? ForwardedFor => Address is null ? null : (Address.IsIPv4MappedToIPv6 ? Address.MapToIPv4() : Address).ToString();
}
