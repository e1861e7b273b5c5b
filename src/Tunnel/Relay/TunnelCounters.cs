using System.Collections.Concurrent;

namespace Edge.Tunnel.Relay;

/// <summary>Plain counters of one tunnel on the relay (no metrics package; exported by whoever hosts the relay).</summary>
internal sealed class TunnelCounters
{
    public long Requests;
    public long InFlight;
    public long BytesToAgent;
    public long BytesFromAgent;
    public long Retries;
    public long ClientAborts;
    public long AgentConnectionsAccepted;
    public long AgentConnectionsRefused;
    public long AccessRequests;
    public long AccessRefused;

    public ConcurrentDictionary<int, long> ResponsesByStatus { get; } = new();

    public void CountStatus(int status) => ResponsesByStatus.AddOrUpdate(status, 1, static (_, n) => n + 1);
}
