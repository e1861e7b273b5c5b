namespace Edge.Tunnel.Agent;

/// <summary>Present on connections (and so on <c>HttpContext.Features</c>) that came through a relay.</summary>
public interface ITunnelConnectionFeature
{
    /// <summary>The tunnel served.</summary>
    string TunnelId { get; }

    /// <summary>This agent's id.</summary>
    string AgentId { get; }

    /// <summary>The relay the connection was dialed to.</summary>
    Uri RelayUri { get; }
}
