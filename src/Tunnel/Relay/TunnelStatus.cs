namespace Edge.Tunnel.Relay;

/// <summary>A snapshot of one tunnel on the relay.</summary>
/// <param name="TunnelId">The tunnel.</param>
/// <param name="Agents">Distinct agents with at least one live connection.</param>
/// <param name="Connections">Live agent connections.</param>
/// <param name="InFlight">Requests being forwarded now.</param>
/// <param name="Requests">Requests forwarded (attempted) since start.</param>
/// <param name="ResponsesByStatus">Responses sent to public clients, by status code (relay errors included).</param>
/// <param name="BytesToAgent">Request body bytes sent to agents.</param>
/// <param name="BytesFromAgent">Response body bytes received from agents.</param>
/// <param name="Retries">Requests resent on another connection because the first never reached an agent.</param>
/// <param name="ClientAborts">Requests the public client abandoned mid-way.</param>
/// <param name="AgentConnectionsAccepted">Agent connections accepted since start (reconnects included).</param>
/// <param name="AgentConnectionsRefused">Agent connections refused (401/403).</param>
/// <param name="AccessRequests">Requests to this tunnel's private rules let through by an access token.</param>
/// <param name="AccessRefused">Requests to this tunnel's private rules refused (403) for a wrong access token or one
/// that does not cover the host.</param>
public sealed record TunnelStatus(
    string TunnelId,
    int Agents,
    int Connections,
    long InFlight,
    long Requests,
    IReadOnlyDictionary<int, long> ResponsesByStatus,
    long BytesToAgent,
    long BytesFromAgent,
    long Retries,
    long ClientAborts,
    long AgentConnectionsAccepted,
    long AgentConnectionsRefused,
    long AccessRequests = 0,
    long AccessRefused = 0);
