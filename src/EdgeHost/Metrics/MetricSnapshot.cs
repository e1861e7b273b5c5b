namespace Edge.Host.Metrics;

/// <summary>One instrument's values at collection time.</summary>
/// <param name="Name">The instrument's name (OpenTelemetry style, e.g. <c>edge.tunnel.relay.requests</c>).</param>
/// <param name="Unit">Its UCUM unit (<c>s</c>, <c>By</c>, <c>{request}</c>) or null.</param>
/// <param name="Description">Its description or null.</param>
/// <param name="Kind">How it is exposed.</param>
/// <param name="Points">One point per distinct tag set.</param>
internal sealed record MetricSnapshot(string Name, string? Unit, string? Description, MetricKind Kind, IReadOnlyList<MetricPoint> Points);

/// <summary>The value of one tag set.</summary>
/// <param name="Tags">Tags sorted by key (ordinal).</param>
/// <param name="Value">The total or current value (not used by histograms).</param>
/// <param name="Histogram">The distribution, for <see cref="MetricKind.Histogram"/> only.</param>
internal sealed record MetricPoint(IReadOnlyList<KeyValuePair<string, string>> Tags, double Value, HistogramValue? Histogram = null);

/// <summary>A histogram's state.</summary>
/// <param name="Bounds">Upper bounds of the buckets, ascending (the last bucket, to +Inf, is implied).</param>
/// <param name="Counts">Observations per bucket, not cumulative: <c>Bounds.Count + 1</c> entries.</param>
/// <param name="Sum">Sum of the observations.</param>
/// <param name="Count">Number of observations.</param>
internal sealed record HistogramValue(IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum, long Count);
