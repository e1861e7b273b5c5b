using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Edge.Host.Metrics;

/// <summary>Counter and UpDownCounter: each measurement is an increment; the series value is the running sum.</summary>
internal sealed class SumAggregate(Instrument instrument, MetricKind kind) : InstrumentAggregate(instrument, kind)
{
    private readonly ConcurrentDictionary<TagSet, DoubleCell> _series = new();

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(TagSet.From(tags), static _ => new DoubleCell()).Add(value);

    public override MetricSnapshot Snapshot() =>
        Snapshot(_series.Select(p => new MetricPoint(p.Key.Tags, p.Value.Value)));
}
