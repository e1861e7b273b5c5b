using System.Diagnostics.Metrics;

namespace Edge.Tunnel.Relay;

/// <summary>
/// The relay's instruments on the meter <see cref="MeterName"/>, for <c>dotnet-counters</c>, OpenTelemetry or any
/// <see cref="MeterListener"/>.
/// </summary>
/// <remarks>
/// Every instrument is observable: it reads the same counters as <see cref="TunnelRelay.GetStatus"/> when a listener
/// collects, so the forwarding path pays nothing for metrics and the two views always agree. Tags: <c>tunnel</c>
/// (a configured tunnel id, so cardinality is bounded by configuration), <c>status</c>, <c>direction</c>,
/// <c>outcome</c>.
/// </remarks>
internal sealed class TunnelRelayMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Edge.Tunnel.Relay";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly TunnelRegistry _registry;

    public TunnelRelayMetrics(TunnelRegistry registry, Func<long> unroutedRequests, Func<long> unattributedRefusals, IMeterFactory? meterFactory)
    {
        _registry = registry;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        _meter.CreateObservableGauge(
            "edge.tunnel.relay.agents",
            () => PerTunnel(static s => s.Agents),
            unit: "{agent}",
            description: "Distinct agents with at least one live connection.");
        _meter.CreateObservableGauge(
            "edge.tunnel.relay.connections",
            () => PerTunnel(static s => s.Connections),
            unit: "{connection}",
            description: "Live agent connections.");
        _meter.CreateObservableUpDownCounter(
            "edge.tunnel.relay.active_requests",
            () => PerTunnel(static s => s.InFlight),
            unit: "{request}",
            description: "Public requests being forwarded now.");
        _meter.CreateObservableCounter(
            "edge.tunnel.relay.requests",
            RequestsByStatus,
            unit: "{request}",
            description: "Public requests answered, by tunnel and status sent to the client (relay errors included; 499: the client left).");
        _meter.CreateObservableCounter(
            "edge.tunnel.relay.bytes",
            BytesByDirection,
            unit: "By",
            description: "Body bytes relayed: request bodies and WebSocket data to agents, response bodies and WebSocket data from agents.");
        _meter.CreateObservableCounter(
            "edge.tunnel.relay.retries",
            () => PerTunnel(static s => s.Retries),
            unit: "{request}",
            description: "Requests resent on another connection because the first never reached an agent.");
        _meter.CreateObservableCounter(
            "edge.tunnel.relay.client_aborts",
            () => PerTunnel(static s => s.ClientAborts),
            unit: "{request}",
            description: "Requests the public client abandoned mid-way.");
        _meter.CreateObservableCounter(
            "edge.tunnel.relay.agent_handshakes",
            () => Handshakes(unattributedRefusals()),
            unit: "{connection}",
            description: "Agent connection attempts by outcome: accepted (reconnects included) or refused (401/403; without a tunnel tag when no configured tunnel was named).");
        _meter.CreateObservableCounter(
            "edge.tunnel.relay.unrouted_requests",
            () => new Measurement<long>(unroutedRequests()),
            unit: "{request}",
            description: "Public requests that matched no public ingress rule (answered 404).");
    }

    /// <summary>The meter (for listeners that select instruments by meter).</summary>
    public Meter Meter => _meter;

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static KeyValuePair<string, object?> Tunnel(TunnelStatus status) => new("tunnel", status.TunnelId);

    private IEnumerable<Measurement<long>> PerTunnel(Func<TunnelStatus, long> value)
    {
        foreach (var status in _registry.Snapshot())
        {
            yield return new Measurement<long>(value(status), Tunnel(status));
        }
    }

    private IEnumerable<Measurement<long>> RequestsByStatus()
    {
        foreach (var status in _registry.Snapshot())
        {
            foreach (var (code, count) in status.ResponsesByStatus)
            {
                yield return new Measurement<long>(count, Tunnel(status), new KeyValuePair<string, object?>("status", code));
            }
        }
    }

    private IEnumerable<Measurement<long>> BytesByDirection()
    {
        foreach (var status in _registry.Snapshot())
        {
            yield return new Measurement<long>(status.BytesToAgent, Tunnel(status), new KeyValuePair<string, object?>("direction", "to_agent"));
            yield return new Measurement<long>(status.BytesFromAgent, Tunnel(status), new KeyValuePair<string, object?>("direction", "from_agent"));
        }
    }

    private IEnumerable<Measurement<long>> Handshakes(long unattributedRefusals)
    {
        foreach (var status in _registry.Snapshot())
        {
            yield return new Measurement<long>(status.AgentConnectionsAccepted, Tunnel(status), new KeyValuePair<string, object?>("outcome", "accepted"));
            yield return new Measurement<long>(status.AgentConnectionsRefused, Tunnel(status), new KeyValuePair<string, object?>("outcome", "refused"));
        }

        yield return new Measurement<long>(unattributedRefusals, new KeyValuePair<string, object?>("outcome", "refused"));
    }
}
