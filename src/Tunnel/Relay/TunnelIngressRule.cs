namespace Edge.Tunnel.Relay;

/// <summary>Maps public requests (host, optional path prefix) to a tunnel.</summary>
public sealed class TunnelIngressRule
{
    /// <summary>An exact host (<c>app.example.com</c>) or a wildcard (<c>*.example.com</c>: any name below it, not
    /// the apex). Case-insensitive, without port.</summary>
    public string Host { get; set; } = "";

    /// <summary>Optional path prefix matched on segment boundaries (<c>/api</c> matches <c>/api</c> and <c>/api/x</c>,
    /// not <c>/apix</c>). The path is forwarded unchanged.</summary>
    public string? PathPrefix { get; set; }

    /// <summary>The tunnel that serves matching requests.</summary>
    public string TunnelId { get; set; } = "";

    /// <summary>Private rules are never served by the public entry (it answers 404 as for an unknown host); they are
    /// meant for authenticated access paths.</summary>
    public bool Private { get; set; }
}
