using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Edge.Host.Metrics;

/// <summary>
/// Gauge and the observable instruments: each measurement is the series' current value (for an ObservableCounter,
/// its running total). Observable series are rebuilt at every collection, so a series its callback stopped reporting
/// (a tunnel that went away) disappears.
/// </summary>
internal sealed class LastValueAggregate(Instrument instrument, MetricKind kind, bool observable) : InstrumentAggregate(instrument, kind)
{
    private readonly ConcurrentDictionary<TagSet, DoubleCell> _series = new();

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(TagSet.From(tags), static _ => new DoubleCell()).Set(value);

    public override void BeginCollect()
    {
        if (observable)
        {
            _series.Clear();
        }
    }

    public override MetricSnapshot Snapshot() =>
        Snapshot(_series.Select(p => new MetricPoint(p.Key.Tags, p.Value.Value)));
}
