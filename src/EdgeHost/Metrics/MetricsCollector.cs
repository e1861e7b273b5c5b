using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Edge.Host.Metrics;

/// <summary>
/// Listens to the instruments a predicate selects (see <see cref="Select"/>) and keeps their values in memory for a pull exporter:
/// <see cref="Collect"/> runs the observable callbacks and returns every instrument's current values.
/// </summary>
/// <remarks>
/// Start it before the instruments record (synchronous instruments only report while a listener is enabled).
/// Collections are serialized: observable callbacks report into the aggregates of the collection that asked.
/// </remarks>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Func<Instrument, bool> _include;
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregate> _aggregates = new();
    private readonly Lock _collecting = new();

    public MetricsCollector(Func<Instrument, bool> include)
    {
        _include = include;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = (instrument, _) => _aggregates.TryRemove(instrument, out InstrumentAggregate? _);
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>
    /// Selects the instruments of <paramref name="scopedMeters"/> created by <paramref name="meterFactory"/> (so two
    /// hosts in one process do not report each other's figures) and of the process-wide <paramref name="globalMeters"/>.
    /// </summary>
    public static Func<Instrument, bool> Select(IMeterFactory meterFactory, IReadOnlyCollection<string> scopedMeters, IReadOnlyCollection<string> globalMeters) =>
        instrument =>
        {
            var meter = instrument.Meter;
            return ReferenceEquals(meter.Scope, meterFactory)
                ? scopedMeters.Contains(meter.Name, StringComparer.Ordinal)
                : meter.Scope is null && globalMeters.Contains(meter.Name, StringComparer.Ordinal);
        };

    /// <summary>Runs the observable callbacks and returns every instrument's values, ordered by instrument name.</summary>
    public IReadOnlyList<MetricSnapshot> Collect()
    {
        lock (_collecting)
        {
            foreach (var aggregate in _aggregates.Values)
            {
                aggregate.BeginCollect();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                // A throwing callback loses only its own instrument's values; the runtime ran the others first.
            }

            return
            [
                .. _aggregates.Values
                    .Select(a => a.Snapshot())
                    .OrderBy(s => s.Name, StringComparer.Ordinal),
            ];
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_include(instrument) || InstrumentAggregate.For(instrument) is not { } aggregate)
        {
            return;
        }

        _aggregates[instrument] = aggregate;
        listener.EnableMeasurementEvents(instrument, aggregate);
    }
}
