namespace Edge.RegistryProxy.Routing;

/// <summary>One upstream registry (<c>Registry:Upstreams:NAME</c>). Unset values keep the built-in default.</summary>
public sealed class UpstreamOptions
{
    /// <summary>Base URL of the registry API, e.g. <c>https://ghcr.io</c>.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// Registry host names clients use in image references for this upstream (<c>ghcr.io</c>), matched
    /// against containerd's <c>?ns=</c> and the first path component. Default: the URL's host.
    /// </summary>
    public List<string> RegistryHosts { get; set; } = [];

    /// <summary>Extra Host names (besides <c>NAME.Domain</c>) that serve this upstream.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>User name for the upstream, used only when a client sends no credentials.</summary>
    public string? Username { get; set; }

    /// <summary>Password or access token for <see cref="Username"/>. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// A proxy this upstream's requests go through, its token realm and its redirect targets (CDNs) included:
    /// <c>socks5://host:port</c> (e.g. a WARP or WireGuard client's local port) or <c>http://host:port</c> (a corporate
    /// proxy), with optional <c>user:password@</c>. Default none: direct, or the environment's HTTP(S)_PROXY like every
    /// outbound request. Its credentials are never logged.
    /// </summary>
    public string? Proxy { get; set; }

    /// <summary>Whether Docker Hub's naming rules apply (official images live under <c>library/</c>).</summary>
    public bool? DockerHub { get; set; }

    /// <summary>Set false to remove a built-in upstream.</summary>
    public bool Enabled { get; set; } = true;
}
