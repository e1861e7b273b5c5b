namespace Edge.Tunnel.Relay;

/// <summary>Why forwarding a public request failed; each maps to one status (or an aborted response).</summary>
public enum ForwardError
{
    /// <summary>No public ingress rule matched: 404.</summary>
    NoRoute,

    /// <summary>The tunnel has no live agent connection: 502.</summary>
    NoAgent,

    /// <summary>Every attempt found its connection gone before sending: 502.</summary>
    NoUsableConnection,

    /// <summary>The agent connection failed after the request may have reached the agent: 502 (not retried).</summary>
    AgentRequestFailed,

    /// <summary>The response body broke off mid-way: the client's response is aborted.</summary>
    AgentResponseFailed,
}
