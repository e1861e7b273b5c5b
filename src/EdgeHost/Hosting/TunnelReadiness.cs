using System.Globalization;
using Edge.Tunnel.Agent;

namespace Edge.Host.Hosting;

/// <summary>Whether the host is ready: always without a tunnel; with one, while at least one tunnel connection is up.</summary>
internal sealed class TunnelReadiness(TunnelAgentStatus? status)
{
    public (bool Ready, string Detail) Check()
    {
        if (status is null)
        {
            return (true, "ready");
        }

        var connections = status.ConnectedConnections;
        var detail = string.Create(CultureInfo.InvariantCulture, $"tunnel {status.State.ToString().ToLowerInvariant()}: {connections} connection(s) up");

        // Why it is not ready (refused token, untrusted certificate, relay unreachable); never holds a secret.
        if (connections == 0 && status.LastError is { } error)
        {
            detail += "; last error: " + error;
        }

        return (connections > 0, detail);
    }
}
