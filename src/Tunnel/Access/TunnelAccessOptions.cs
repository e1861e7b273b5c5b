using System.Net.Security;

namespace Edge.Tunnel.Access;

/// <summary>How an access client (<c>edge access</c>) reaches a private hostname through a relay.</summary>
public sealed class TunnelAccessOptions
{
    /// <summary>The relay's public entry, <c>http://host[:port]</c> or <c>https://host[:port]</c>, without path.</summary>
    public Uri? RelayUri { get; set; }

    /// <summary>The private hostname to reach (sent as Host; matched by the relay's private ingress rules).</summary>
    public string Hostname { get; set; } = "";

    /// <summary>The access token, sent in <see cref="TunnelProtocol.AccessTokenHeader"/>. Never logged.</summary>
    public string Token { get; set; } = "";

    /// <summary>Limit on TCP connect (and TLS handshake) to the relay. Default 15 s: a black-holed relay turns
    /// into a 502 instead of a hanging client.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Checks the relay's TLS certificate instead of the system trust store (tests with a self-signed relay).</summary>
    internal RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>Returns every configuration error at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RelayUri is null || !RelayUri.IsAbsoluteUri || (RelayUri.Scheme != Uri.UriSchemeHttp && RelayUri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("RelayUri must be an absolute http:// or https:// URI");
        }
        else if (RelayUri.AbsolutePath != "/" || RelayUri.Query.Length > 0 || RelayUri.Fragment.Length > 0 || RelayUri.UserInfo.Length > 0)
        {
            errors.Add($"RelayUri '{RelayUri}' must be only scheme, host and port (the relay forwards paths unchanged)");
        }

        if (string.IsNullOrEmpty(Hostname))
        {
            errors.Add("Hostname is required: the private hostname to reach");
        }
        else if (Uri.CheckHostName(Hostname) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
        {
            errors.Add($"Hostname '{Hostname}' must be a host name without port, path or wildcard");
        }

        if (string.IsNullOrEmpty(Token) || Token.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add("Token must be non-empty printable ASCII without spaces");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("ConnectTimeout must be positive");
        }

        return errors;
    }
}
