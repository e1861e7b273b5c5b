namespace Edge.Tunnel.Relay;

/// <summary>An access token and the private hostnames it opens (<c>Relay:Access</c>).</summary>
public sealed class TunnelAccessCredential
{
    /// <summary>A name for logs and refusals (the token itself is never logged).</summary>
    public string Name { get; set; } = "";

    /// <summary>The token in clear (prefer <see cref="TokenSha256"/> in configuration files). Printable ASCII
    /// without spaces: it travels in the <see cref="TunnelProtocol.AccessTokenHeader"/> header.</summary>
    public string? Token { get; set; }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 token, so the relay's configuration holds no usable secret.</summary>
    public string? TokenSha256 { get; set; }

    /// <summary>Hosts this token may reach: exact names (<c>db.internal.example.com</c>) or wildcards
    /// (<c>*.internal.example.com</c>, any name below it). Each must overlap a private ingress rule; public rules
    /// need no token.</summary>
    public List<string> Hosts { get; set; } = [];
}
