using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Edge.RegistryProxy.Tests.Resilience;

/// <summary>Listens to one meter's instruments: the circuit gauge's current values and the counters' sums per upstream.</summary>
internal sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Upstream), long> _sums = new();
    private readonly ConcurrentDictionary<string, int> _circuit = new();

    public MetricsProbe(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => _circuit[Upstream(tags)] = value);
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _sums.AddOrUpdate((instrument.Name, Upstream(tags)), value, (_, sum) => sum + value));
        _listener.Start();
    }

    public int? Circuit(string upstream)
    {
        _circuit.Clear();
        _listener.RecordObservableInstruments();
        return _circuit.TryGetValue(upstream, out var value) ? value : null;
    }

    public long Sum(string instrument, string upstream) => _sums.TryGetValue((instrument, upstream), out var sum) ? sum : 0;

    public void Dispose() => _listener.Dispose();

    private static string Upstream(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "upstream")
            {
                return tag.Value as string ?? "";
            }
        }

        return "";
    }
}
