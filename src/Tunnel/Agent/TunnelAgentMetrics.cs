using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Edge.Tunnel.Agent;

/// <summary>
/// The agent's instruments on the meter <see cref="MeterName"/>, for <c>dotnet-counters</c>, OpenTelemetry or any
/// <see cref="MeterListener"/>. One per <see cref="TunnelTransportFactory"/>; every endpoint it binds is reported with
/// a <c>tunnel</c> tag.
/// </summary>
/// <remarks>
/// Connections, reconnects, failed dials and state are observable: they read <see cref="TunnelAgentStatus"/> when a
/// listener collects. The connect duration is a histogram recorded per successful dial.
/// </remarks>
internal sealed class TunnelAgentMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Edge.Tunnel.Agent";

    // A handshake takes a few milliseconds on a LAN and a few hundred across continents with TLS; HandshakeTimeout
    // (10 s by default) caps it.
    private static readonly double[] s_connectBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly TunnelAgentState[] s_states = Enum.GetValues<TunnelAgentState>();

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly ConcurrentDictionary<TunnelEndPoint, byte> _endPoints = new(ReferenceEqualityComparer.Instance);
    private readonly Histogram<double> _connectDuration;

    public TunnelAgentMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        _meter.CreateObservableGauge(
            "edge.tunnel.agent.connections",
            () => PerTunnel(static s => s.ConnectedConnections),
            unit: "{connection}",
            description: "Tunnel connections to the relay currently up.");
        _meter.CreateObservableCounter(
            "edge.tunnel.agent.reconnects",
            () => PerTunnel(static s => s.Reconnects),
            unit: "{connection}",
            description: "Connections re-established after one of the pool's connections ended.");
        _meter.CreateObservableCounter(
            "edge.tunnel.agent.failed_dials",
            () => PerTunnel(static s => s.FailedDials),
            unit: "{connection}",
            description: "Dials to the relay that failed (network, TLS, handshake timeout, unexpected status).");
        _meter.CreateObservableGauge(
            "edge.tunnel.agent.state",
            States,
            unit: "{state}",
            description: "1 for the agent's current state (connecting, ready, unauthorized, stopped), 0 for the others.");
        _connectDuration = _meter.CreateHistogram(
            "edge.tunnel.agent.connect.duration",
            unit: "s",
            description: "Time to establish a tunnel connection: TCP connect, TLS and the upgrade handshake until the relay's 101.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_connectBuckets });
    }

    /// <summary>Reports <paramref name="endPoint"/> from now on.</summary>
    public void Track(TunnelEndPoint endPoint) => _endPoints.TryAdd(endPoint, 0);

    /// <summary>Records one successful dial.</summary>
    public void RecordConnect(TunnelEndPoint endPoint, TimeSpan duration)
    {
        if (_connectDuration.Enabled)
        {
            _connectDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("tunnel", endPoint.Options.TunnelId));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> PerTunnel(Func<TunnelAgentStatus, long> value)
    {
        foreach (var endPoint in _endPoints.Keys)
        {
            yield return new Measurement<long>(value(endPoint.Status), new KeyValuePair<string, object?>("tunnel", endPoint.Status.TunnelId));
        }
    }

    private IEnumerable<Measurement<int>> States()
    {
        foreach (var endPoint in _endPoints.Keys)
        {
            var current = endPoint.Status.State;
            foreach (var state in s_states)
            {
                yield return new Measurement<int>(
                    state == current ? 1 : 0,
                    new KeyValuePair<string, object?>("tunnel", endPoint.Status.TunnelId),
                    new KeyValuePair<string, object?>("state", StateName(state)));
            }
        }
    }

    private static string StateName(TunnelAgentState state) => state switch
    {
        TunnelAgentState.Connecting => "connecting",
        TunnelAgentState.Ready => "ready",
        TunnelAgentState.Unauthorized => "unauthorized",
        TunnelAgentState.Stopped => "stopped",
        _ => "unknown",
    };
}
