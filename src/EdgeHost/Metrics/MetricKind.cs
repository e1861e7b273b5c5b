namespace Edge.Host.Metrics;

/// <summary>How an instrument's values are exposed.</summary>
internal enum MetricKind
{
    /// <summary>Monotonic total (Counter, ObservableCounter): Prometheus <c>counter</c>, name ends in <c>_total</c>.</summary>
    Counter,

    /// <summary>A value that goes up and down (UpDownCounter, Gauge, their observable forms): Prometheus <c>gauge</c>.</summary>
    Gauge,

    /// <summary>A distribution (Histogram): Prometheus <c>histogram</c> with cumulative buckets, sum and count.</summary>
    Histogram,
}
