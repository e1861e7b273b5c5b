using System.Globalization;
using System.Net;
using System.Text;

namespace Edge.Host.Hosting;

/// <summary>
/// An explicit outbound proxy (<see cref="Edge.Functions.IEdgeEnv.HttpVia"/>): its address without credentials, and
/// the credentials apart, so no message or log line built from the address can carry them.
/// </summary>
internal sealed class EgressProxy
{
    /// <summary>RFC 1929: the SOCKS5 user name and password are one length byte each.</summary>
    private const int MaxSocksCredentialBytes = 255;

    private EgressProxy(Uri address, NetworkCredential? credentials)
    {
        Address = address;
        Credentials = credentials;
    }

    /// <summary><c>scheme://host:port</c>, no credentials: safe to show.</summary>
    public Uri Address { get; }

    public NetworkCredential? Credentials { get; }

    /// <summary>Identifies the proxy and its credentials, for sharing one invoker per distinct proxy. Never shown.</summary>
    internal string Key => Address.AbsoluteUri + "\n" + Credentials?.UserName + "\n" + Credentials?.Password;

    /// <summary>Validates <paramref name="proxy"/>.</summary>
    /// <exception cref="ArgumentException">It is not <c>http://</c> or <c>socks5://</c> with a host and port; the message never contains the credentials.</exception>
    public static EgressProxy Parse(Uri proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (!proxy.IsAbsoluteUri)
        {
            throw new ArgumentException("The proxy must be an absolute URL: http://[user:password@]host:port or socks5://[user:password@]host:port.", nameof(proxy));
        }

        var scheme = proxy.Scheme;
        var shown = $"{scheme}://{proxy.Host}{(proxy.Port > 0 ? ":" + proxy.Port.ToString(CultureInfo.InvariantCulture) : "")}";
        if (scheme != Uri.UriSchemeHttp && scheme != "socks5")
        {
            throw new ArgumentException($"The proxy '{shown}' must use http:// or socks5:// (a WARP or WireGuard client's local SOCKS5 port, a corporate HTTP proxy).", nameof(proxy));
        }

        if (string.IsNullOrEmpty(proxy.Host))
        {
            throw new ArgumentException($"The proxy URL ({scheme}://) has no host.", nameof(proxy));
        }

        // An unknown scheme has no default port: socks5:// needs one written out (HTTP's default is 80).
        if (proxy.Port <= 0)
        {
            throw new ArgumentException($"The proxy '{shown}' needs a port, e.g. {scheme}://127.0.0.1:{(scheme == "socks5" ? "1080" : "3128")}.", nameof(proxy));
        }

        if (proxy.AbsolutePath != "/" || proxy.Query.Length > 0 || proxy.Fragment.Length > 0)
        {
            throw new ArgumentException($"The proxy '{shown}' must not have a path, query or fragment.", nameof(proxy));
        }

        NetworkCredential? credentials = null;
        if (proxy.UserInfo.Length > 0)
        {
            var colon = proxy.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? proxy.UserInfo : proxy.UserInfo[..colon]);
            var password = colon < 0 ? "" : Uri.UnescapeDataString(proxy.UserInfo[(colon + 1)..]);
            if (user.Length == 0)
            {
                throw new ArgumentException($"The proxy '{shown}' has credentials without a user name.", nameof(proxy));
            }

            if (scheme == "socks5" && (Encoding.UTF8.GetByteCount(user) > MaxSocksCredentialBytes || Encoding.UTF8.GetByteCount(password) > MaxSocksCredentialBytes))
            {
                throw new ArgumentException($"The proxy '{shown}': a SOCKS5 user name and password are at most {MaxSocksCredentialBytes} bytes each.", nameof(proxy));
            }

            credentials = new NetworkCredential(user, password);
        }

        return new EgressProxy(new Uri(shown + "/"), credentials);
    }

    /// <summary>The address, never the credentials.</summary>
    public override string ToString() => Address.GetLeftPart(UriPartial.Authority);
}
