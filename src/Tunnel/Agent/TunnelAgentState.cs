namespace Edge.Tunnel.Agent;

/// <summary>The state of an agent's connection pool.</summary>
public enum TunnelAgentState
{
    /// <summary>No connection is up yet (or all dropped); dialing with backoff.</summary>
    Connecting,

    /// <summary>At least one connection is up: the tunnel is serving.</summary>
    Ready,

    /// <summary>The relay answered 401 or 403: the agent stopped dialing for good.</summary>
    Unauthorized,

    /// <summary>The endpoint was unbound (Kestrel stopping).</summary>
    Stopped,
}
