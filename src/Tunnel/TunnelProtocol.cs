namespace Edge.Tunnel;

/// <summary>The wire contract between an agent and a relay (the upgrade request the agent sends), and the header that
/// opens private hostnames to access clients.</summary>
/// <remarks>
/// 1. The agent opens TCP (TLS when the relay URI is https) and sends
///    <c>GET /_edge/tunnel/connect HTTP/1.1</c> with <c>Connection: Upgrade</c>, <c>Upgrade: edge-tunnel</c>,
///    <c>Authorization: Bearer TOKEN</c>, <c>Edge-Tunnel-Id</c> and <c>Edge-Agent-Id</c>.
/// 2. The relay answers <c>101 Switching Protocols</c>, or 401 (no or malformed credentials) / 403 (wrong token or
///    unknown tunnel): the agent stops dialing on either.
/// 3. On the upgraded stream the relay is the HTTP/2 client (prior knowledge, no TLS inside) and the agent's Kestrel
///    the HTTP/2 server.
/// 4. Access clients (<c>edge access</c>) send ordinary requests to the relay's public entry with the private
///    hostname as Host and <see cref="AccessTokenHeader"/>; the relay strips the header before forwarding.
/// </remarks>
public static class TunnelProtocol
{
    /// <summary>The path of the relay's agent endpoint.</summary>
    public const string ConnectPath = "/_edge/tunnel/connect";

    /// <summary>The <c>Upgrade</c> token.</summary>
    public const string UpgradeToken = "edge-tunnel";

    /// <summary>The header naming the tunnel the agent serves.</summary>
    public const string TunnelIdHeader = "Edge-Tunnel-Id";

    /// <summary>The header naming the agent instance (several agents may serve one tunnel).</summary>
    public const string AgentIdHeader = "Edge-Agent-Id";

    /// <summary>The header carrying an access token for private hostnames (<c>Relay:Access</c>). Not
    /// <c>Authorization</c>, which stays with the application behind the tunnel. Never forwarded past the relay.</summary>
    public const string AccessTokenHeader = "Edge-Access-Token";
}
