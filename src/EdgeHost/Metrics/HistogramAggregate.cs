using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Edge.Host.Metrics;

/// <summary>Histogram: counts per bucket, sum and count per series.</summary>
internal sealed class HistogramAggregate : InstrumentAggregate
{
    /// <summary>OpenTelemetry's default explicit bucket boundaries, for histograms without advice.</summary>
    public static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly double[] _bounds;
    private readonly ConcurrentDictionary<TagSet, Series> _series = new();

    public HistogramAggregate(Instrument instrument)
        : base(instrument, MetricKind.Histogram)
    {
        _bounds = AdvisedBounds(instrument) ?? DefaultBounds;
    }

    public IReadOnlyList<double> Bounds => _bounds;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        // A bucket counts observations less than or equal to its bound (Prometheus `le`).
        var index = Array.BinarySearch(_bounds, value);
        if (index < 0)
        {
            index = ~index;
        }

        var series = _series.GetOrAdd(TagSet.From(tags), static (_, buckets) => new Series(buckets), _bounds.Length + 1);
        lock (series)
        {
            series.Counts[index]++;
            series.Sum += value;
            series.Count++;
        }
    }

    public override MetricSnapshot Snapshot() => Snapshot(_series.Select(p =>
    {
        lock (p.Value)
        {
            return new MetricPoint(p.Key.Tags, p.Value.Count, new HistogramValue(_bounds, [.. p.Value.Counts], p.Value.Sum, p.Value.Count));
        }
    }));

    private static double[]? AdvisedBounds(Instrument instrument)
    {
        IEnumerable<double>? bounds = instrument switch
        {
            Instrument<double> i => i.Advice?.HistogramBucketBoundaries,
            Instrument<float> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<long> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<short> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<byte> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<decimal> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            _ => null,
        };

        // Sorted and finite whatever the advice says, so the search works and +Inf is written once.
        var array = bounds?.Where(double.IsFinite).Distinct().Order().ToArray();
        return array is { Length: > 0 } ? array : null;
    }

    private sealed class Series(int buckets)
    {
        public long[] Counts { get; } = new long[buckets];

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
