using Edge.Tls;
using System.Net;

namespace Edge.Tunnel.Agent;

/// <summary>
/// A Kestrel endpoint served through a relay: bind it with
/// <see cref="TunnelKestrelExtensions.ListenTunnel(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions, TunnelEndPoint, Action{Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions}?)"/>
/// and read <see cref="Status"/> for readiness.
/// </summary>
public sealed class TunnelEndPoint : EndPoint
{
    /// <summary>Creates the endpoint; the options are validated here so a bad configuration fails at start-up.</summary>
    public TunnelEndPoint(TunnelAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid tunnel agent options: " + string.Join("; ", errors), nameof(options));
        }

        Options = options;
        Status = new TunnelAgentStatus(options.TunnelId, options.AgentId);
        CertificateValidator = new PeerCertificateValidator(
            string.IsNullOrEmpty(options.CaCertificatePath) ? null : PeerCertificateValidator.LoadCertificates(options.CaCertificatePath),
            "the relay",
            "CaCertificatePath");
    }

    /// <summary>The agent's options.</summary>
    public TunnelAgentOptions Options { get; }

    /// <summary>Live status of this endpoint's connection pool (readiness, reconnects, refusal).</summary>
    public TunnelAgentStatus Status { get; }

    internal PeerCertificateValidator CertificateValidator { get; }

    /// <inheritdoc />
    public override string ToString() => $"edge-tunnel:{Options.TunnelId}@{Options.RelayUri}";
}
