using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace Edge.RegistryProxy.Resilience;

/// <summary>
/// The upstream resilience instruments on the registry proxy's meter: each upstream's circuit state, retries, and
/// requests refused at once because the circuit is open.
/// </summary>
internal sealed class ResilienceMetrics
{
    public const string CircuitName = "edge.registry.upstream.circuit";
    public const string RetriesName = "edge.registry.upstream.retries";
    public const string RejectionsName = "edge.registry.upstream.rejections";

    private readonly Meter _meter;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _rejections;

    public ResilienceMetrics(Meter meter)
    {
        _meter = meter;
        _retries = meter.CreateCounter<long>(RetriesName, "{retry}", "Upstream requests sent again after a connection failure, a 5xx or a short Retry-After.");
        _rejections = meter.CreateCounter<long>(RejectionsName, "{request}", "Upstream requests not sent because the upstream's circuit is open.");
    }

    /// <summary>0 closed, 1 half-open (one probe let through), 2 open (requests fail at once).</summary>
    public static int Value(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        _ => 2,
    };

    /// <summary>Reports the circuit state of every channel when collected.</summary>
    public void ObserveCircuits(IEnumerable<UpstreamChannel> channels)
    {
        var all = channels.ToArray();
        _meter.CreateObservableGauge(
            CircuitName,
            () => all.Select(c => new Measurement<int>(Value(c.Circuit), new KeyValuePair<string, object?>("upstream", c.Upstream.Name))),
            "{state}",
            "Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.");
    }

    public void Retried(string upstream, string reason) =>
        _retries.Add(1, new KeyValuePair<string, object?>("upstream", upstream), new KeyValuePair<string, object?>("reason", reason));

    public void Rejected(string upstream) => _rejections.Add(1, new KeyValuePair<string, object?>("upstream", upstream));
}
