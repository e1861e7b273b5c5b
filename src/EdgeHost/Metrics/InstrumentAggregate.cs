using System.Diagnostics.Metrics;

namespace Edge.Host.Metrics;

/// <summary>The in-memory state of one instrument between scrapes.</summary>
internal abstract class InstrumentAggregate(Instrument instrument, MetricKind kind)
{
    public Instrument Instrument { get; } = instrument;

    public MetricKind Kind { get; } = kind;

    /// <summary>
    /// The aggregate for <paramref name="instrument"/>, or null for an instrument type this exporter does not know.
    /// </summary>
    /// <remarks>
    /// Counter → running sum (counter); UpDownCounter → running sum (gauge); Gauge → last value; observable
    /// instruments → the values their callbacks report at each collection (counter for ObservableCounter, gauge
    /// otherwise); Histogram → buckets from the instrument's advice or <see cref="HistogramAggregate.DefaultBounds"/>.
    /// </remarks>
    public static InstrumentAggregate? For(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            return new SumAggregate(instrument, MetricKind.Counter);
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return new SumAggregate(instrument, MetricKind.Gauge);
        }

        if (definition == typeof(Gauge<>))
        {
            return new LastValueAggregate(instrument, MetricKind.Gauge, observable: false);
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return new LastValueAggregate(instrument, MetricKind.Counter, observable: true);
        }

        if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>))
        {
            return new LastValueAggregate(instrument, MetricKind.Gauge, observable: true);
        }

        if (definition == typeof(Histogram<>))
        {
            return new HistogramAggregate(instrument);
        }

        return null;
    }

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called before observable callbacks run for a collection.</summary>
    public virtual void BeginCollect()
    {
    }

    public abstract MetricSnapshot Snapshot();

    protected MetricSnapshot Snapshot(IEnumerable<MetricPoint> points) =>
        new(Instrument.Name, Instrument.Unit, Instrument.Description, Kind, [.. points]);
}
