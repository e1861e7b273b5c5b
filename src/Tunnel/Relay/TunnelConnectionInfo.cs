namespace Edge.Tunnel.Relay;

/// <summary>One live agent connection on the relay.</summary>
/// <param name="TunnelId">The tunnel it serves.</param>
/// <param name="AgentId">The agent that dialed it (<c>Edge-Agent-Id</c>).</param>
/// <param name="ConnectionId">The relay's id for the connection (as in its log lines).</param>
/// <param name="InFlight">Requests on it now.</param>
public sealed record TunnelConnectionInfo(string TunnelId, string AgentId, long ConnectionId, int InFlight);
