using Edge.Bindings;

namespace Edge.Host.Configuration;

/// <summary>Host-wide settings, bound from the <c>Edge</c> configuration section.</summary>
public sealed class EdgeOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Edge";

    /// <summary>
    /// Where the host keeps its state: buckets, the key-value database, scratch space.
    /// Default <c>./edge-data</c>: next to where the operator started it, easy to find and to delete.
    /// </summary>
    public string DataDirectory { get; set; } = "edge-data";

    /// <summary>
    /// Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed.
    /// Default: none, so a client cannot spoof its scheme or host by sending the headers itself.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// How long shutdown waits for in-flight requests and <c>WaitUntil</c> work.
    /// Default 30 s: long enough to finish most layer downloads on a LAN, short enough for a service manager.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Certificates for <c>https://</c> addresses in <c>urls</c>, chosen by SNI. Default none (plain HTTP,
    /// or TLS terminated in front).</summary>
    public List<CertificateOptions> Certificates { get; set; } = [];

    /// <summary>Deployments of user functions through the deploy API (<c>Edge:Deploy</c>).</summary>
    public Edge.Host.Deploy.DeployOptions Deploy { get; set; } = new();

    /// <summary>Outbound HTTP settings shared by every function.</summary>
    public OutboundHttpOptions Http { get; set; } = new();

    /// <summary>Object buckets by name. A bucket named <c>cache</c> on local disk exists unless configured otherwise.</summary>
    public Dictionary<string, BucketOptions> Buckets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The key-value store behind every namespace.</summary>
    public KeyValueOptions KeyValue { get; set; } = new();

    /// <summary>
    /// The built-in tunnel agent (<c>Edge:Tunnel</c>): with a relay URL set, the host also serves through a
    /// relay it dials out to. Default: off.
    /// </summary>
    public Edge.Tunnel.Agent.TunnelAgentOptions Tunnel { get; set; } = new();
}
