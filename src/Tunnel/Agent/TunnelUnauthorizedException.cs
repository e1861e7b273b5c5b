namespace Edge.Tunnel.Agent;

/// <summary>The relay refused the agent's credentials (401/403); the agent does not redial.</summary>
public sealed class TunnelUnauthorizedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TunnelUnauthorizedException(string message)
        : base(message)
    {
    }
}
