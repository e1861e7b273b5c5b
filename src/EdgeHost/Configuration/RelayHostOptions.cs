namespace Edge.Host.Configuration;

/// <summary>
/// How <c>edge relay</c> runs, next to the tunnel settings of <see cref="Edge.Tunnel.Relay.TunnelRelayOptions"/>; bound
/// from the same <c>Relay</c> section.
/// </summary>
public sealed class RelayHostOptions
{
    /// <summary>
    /// How long a stopping relay lets forwarded requests in flight (downloads, uploads) finish before it aborts them.
    /// Default 30 s, as <c>Edge:ShutdownTimeout</c> for <c>edge serve</c>: most layer downloads on a fast link, short
    /// enough for a service manager. The relay exits as soon as nothing is in flight.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Certificates for <c>https://</c> addresses in <c>urls</c>, chosen by SNI.</summary>
    public List<CertificateOptions> Certificates { get; set; } = [];
}
