using System.Collections.Concurrent;

namespace Edge.Tunnel.Relay;

/// <summary>Live agent connections per tunnel, and the choice of a connection for each request.</summary>
internal sealed class TunnelRegistry
{
    private readonly ConcurrentDictionary<string, TunnelEntry> _tunnels = new(StringComparer.Ordinal);

    public TunnelCounters Counters(string tunnelId) => Entry(tunnelId).Counters;

    public void Add(RelayConnection connection)
    {
        var entry = Entry(connection.TunnelId);
        lock (entry)
        {
            entry.Connections = [.. entry.Connections, connection];
        }
    }

    public void Remove(RelayConnection connection)
    {
        var entry = Entry(connection.TunnelId);
        lock (entry)
        {
            entry.Connections = [.. entry.Connections.Where(c => c != connection)];
        }
    }

    /// <summary>
    /// The live connection with the fewest requests in flight, skipping <paramref name="exclude"/>; ties go round
    /// robin so idle connections (and agents) share the load. Connections of <paramref name="avoidAgent"/> (whose
    /// connection just failed: it is likely gone as a whole) are taken only when no other agent has one. Dead
    /// connections found on the way are dropped.
    /// </summary>
    public RelayConnection? Pick(string tunnelId, IReadOnlyCollection<RelayConnection>? exclude, string? avoidAgent = null)
    {
        var entry = Entry(tunnelId);
        var connections = entry.Connections;
        if (connections.Length == 0)
        {
            return null;
        }

        var start = (int)((uint)Interlocked.Increment(ref entry.RoundRobin) % (uint)connections.Length);
        RelayConnection? best = null;
        RelayConnection? fallback = null;
        for (var i = 0; i < connections.Length; i++)
        {
            var candidate = connections[(start + i) % connections.Length];
            if (!candidate.IsAlive)
            {
                Remove(candidate);
                continue;
            }

            if (exclude is not null && exclude.Contains(candidate))
            {
                continue;
            }

            if (avoidAgent is not null && string.Equals(candidate.AgentId, avoidAgent, StringComparison.Ordinal))
            {
                if (fallback is null || candidate.InFlight < fallback.InFlight)
                {
                    fallback = candidate;
                }

                continue;
            }

            if (best is null || candidate.InFlight < best.InFlight)
            {
                best = candidate;
            }
        }

        return best ?? fallback;
    }

    public IReadOnlyList<RelayConnection> All() => [.. _tunnels.Values.SelectMany(e => e.Connections)];

    public IReadOnlyList<TunnelStatus> Snapshot()
    {
        var result = new List<TunnelStatus>();
        foreach (var (id, entry) in _tunnels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var live = entry.Connections.Where(c => c.IsAlive).ToArray();
            var c = entry.Counters;
            result.Add(new TunnelStatus(
                id,
                live.Select(x => x.AgentId).Distinct(StringComparer.Ordinal).Count(),
                live.Length,
                Interlocked.Read(ref c.InFlight),
                Interlocked.Read(ref c.Requests),
                new Dictionary<int, long>(c.ResponsesByStatus),
                Interlocked.Read(ref c.BytesToAgent),
                Interlocked.Read(ref c.BytesFromAgent),
                Interlocked.Read(ref c.Retries),
                Interlocked.Read(ref c.ClientAborts),
                Interlocked.Read(ref c.AgentConnectionsAccepted),
                Interlocked.Read(ref c.AgentConnectionsRefused),
                Interlocked.Read(ref c.AccessRequests),
                Interlocked.Read(ref c.AccessRefused)));
        }

        return result;
    }

    private TunnelEntry Entry(string tunnelId) => _tunnels.GetOrAdd(tunnelId, static _ => new TunnelEntry());

    private sealed class TunnelEntry
    {
        public volatile RelayConnection[] Connections = [];
        public int RoundRobin;

        public TunnelCounters Counters { get; } = new();
    }
}
