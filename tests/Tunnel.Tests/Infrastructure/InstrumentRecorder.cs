using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>A <see cref="MeterListener"/> over the instruments a predicate selects: keeps what synchronous instruments
/// record and reads the observable ones on demand.</summary>
internal sealed class InstrumentRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _recorded = new();
    private readonly Lock _observing = new();
    private List<Measured>? _observed;

    public InstrumentRecorder(Func<Instrument, bool> include)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (include(instrument))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => OnMeasurement(i, v, t));
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => OnMeasurement(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => OnMeasurement(i, v, t));
        _listener.Start();
    }

    /// <summary>Everything synchronous instruments (the histogram) recorded so far.</summary>
    public IReadOnlyList<Measured> Recorded => [.. _recorded];

    /// <summary>Runs the observable instruments' callbacks and returns what they reported.</summary>
    public IReadOnlyList<Measured> Observe()
    {
        lock (_observing)
        {
            _observed = [];
            _listener.RecordObservableInstruments();
            var result = _observed;
            _observed = null;
            return result;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var measured = new Measured(
            instrument.Name,
            instrument.Unit,
            value,
            tags.ToArray().ToDictionary(t => t.Key, t => Convert.ToString(t.Value, CultureInfo.InvariantCulture), StringComparer.Ordinal));
        if (instrument.IsObservable)
        {
            _observed?.Add(measured);
        }
        else
        {
            _recorded.Enqueue(measured);
        }
    }
}

/// <summary>One measurement: instrument, value, tags (as text).</summary>
internal sealed record Measured(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, string?> Tags)
{
    public bool Has(params (string Key, string Value)[] tags) =>
        tags.Length == Tags.Count && tags.All(t => Tags.TryGetValue(t.Key, out var v) && v == t.Value);
}

internal static class MeasuredExtensions
{
    /// <summary>The value of the one measurement of <paramref name="instrument"/> with exactly these tags.</summary>
    public static double Value(this IEnumerable<Measured> measurements, string instrument, params (string Key, string Value)[] tags)
    {
        var matches = measurements.Where(m => m.Instrument == instrument && m.Has(tags)).ToList();
        Assert.True(matches.Count == 1, $"{instrument} {string.Join(",", tags)}: {matches.Count} measurements");
        return matches[0].Value;
    }
}
