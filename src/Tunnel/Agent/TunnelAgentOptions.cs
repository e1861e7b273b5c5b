using Edge.Tls;
namespace Edge.Tunnel.Agent;

/// <summary>How an agent reaches its relay and keeps its connections up.</summary>
public sealed class TunnelAgentOptions
{
    /// <summary>The relay's agent entry, <c>http://host:port</c> or <c>https://host:port</c> (TLS to the relay).</summary>
    public Uri? RelayUri { get; set; }

    /// <summary>The tunnel this agent serves.</summary>
    public string TunnelId { get; set; } = "";

    /// <summary>The bearer token the relay expects for <see cref="TunnelId"/>. Never logged.</summary>
    public string Token { get; set; } = "";

    /// <summary>This agent instance; defaults to a random id so two agents of one tunnel are told apart.</summary>
    public string AgentId { get; set; } = Guid.NewGuid().ToString("n");

    /// <summary>Connections kept open to the relay. Default 4, as cloudflared: spreads load over several TCP
    /// windows and keeps the tunnel up while one connection redials.</summary>
    public int ConnectionCount { get; set; } = 4;

    /// <summary>First redial delay. Default 1 s: quick recovery from a relay restart without hammering it.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest redial delay. Default 30 s: an agent behind a long outage still comes back within half a minute.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection that stayed up this long resets the backoff. Default 30 s (one full backoff cap).</summary>
    public TimeSpan HealthyAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit on TCP connect + TLS + upgrade handshake. Default 10 s: a black-holed relay is retried.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A PEM file (one or more certificates) or DER file trusted for the relay's TLS certificate in addition to the
    /// system store: a private CA, or the relay's own self-signed certificate. Only with an <c>https://</c>
    /// <see cref="RelayUri"/>. Default none: the system store alone. The certificate's name is always checked;
    /// validation cannot be turned off.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Returns every configuration error at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RelayUri is null || !RelayUri.IsAbsoluteUri || (RelayUri.Scheme != Uri.UriSchemeHttp && RelayUri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("RelayUri must be an absolute http:// or https:// URI");
        }

        if (string.IsNullOrWhiteSpace(TunnelId) || TunnelId.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add("TunnelId must be non-empty printable ASCII without spaces");
        }

        if (string.IsNullOrEmpty(Token) || Token.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add("Token must be non-empty printable ASCII without spaces");
        }

        if (string.IsNullOrWhiteSpace(AgentId) || AgentId.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add("AgentId must be non-empty printable ASCII without spaces");
        }

        if (ConnectionCount is < 1 or > 64)
        {
            errors.Add("ConnectionCount must be between 1 and 64");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            errors.Add("InitialBackoff must be positive and MaxBackoff at least InitialBackoff");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            errors.Add("HandshakeTimeout must be positive");
        }

        if (!string.IsNullOrEmpty(CaCertificatePath))
        {
            if (RelayUri is { IsAbsoluteUri: true } uri && uri.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add("CaCertificatePath needs an https:// RelayUri");
            }
            else if (!File.Exists(CaCertificatePath))
            {
                errors.Add($"CaCertificatePath: '{CaCertificatePath}' does not exist");
            }
            else
            {
                try
                {
                    PeerCertificateValidator.LoadCertificates(CaCertificatePath);
                }
                catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
                {
                    errors.Add($"CaCertificatePath: '{CaCertificatePath}' holds no readable certificate (PEM or DER): {ex.Message}");
                }
            }
        }

        return errors;
    }
}
