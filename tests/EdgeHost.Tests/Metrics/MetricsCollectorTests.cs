using System.Diagnostics.Metrics;
using Edge.Host.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Host.Tests.Metrics;

public sealed class MetricsCollectorTests : IDisposable
{
    private const string MeterName = "Edge.Tests.Collector";
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

    private MetricsCollector Collector() => new(MetricsCollector.Select(Factory, [MeterName], []));

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private static MetricSnapshot Single(IReadOnlyList<MetricSnapshot> metrics, string name) => metrics.Single(m => m.Name == name);

    private static double ValueOf(MetricSnapshot metric, params (string Key, string Value)[] tags) =>
        metric.Points.Single(p => p.Tags.SequenceEqual(tags.Select(t => new KeyValuePair<string, string>(t.Key, t.Value)))).Value;

    [Fact]
    public void Collect_CounterAndUpDownCounter_SumPerTagSetWhateverTheTagOrder()
    {
        using var collector = Collector();
        var meter = Factory.Create(MeterName);
        var requests = meter.CreateCounter<long>("requests", "{request}");
        var active = meter.CreateUpDownCounter<int>("active");

        requests.Add(2, Tag("tunnel", "a"), Tag("status", 200));
        requests.Add(3, Tag("status", 200), Tag("tunnel", "a"));
        requests.Add(1, Tag("tunnel", "a"), Tag("status", 404));
        active.Add(5);
        active.Add(-2);
        var metrics = collector.Collect();

        var counter = Single(metrics, "requests");
        Assert.Equal(MetricKind.Counter, counter.Kind);
        Assert.Equal("{request}", counter.Unit);
        Assert.Equal(5, ValueOf(counter, ("status", "200"), ("tunnel", "a")));
        Assert.Equal(1, ValueOf(counter, ("status", "404"), ("tunnel", "a")));
        var gauge = Single(metrics, "active");
        Assert.Equal(MetricKind.Gauge, gauge.Kind);
        Assert.Equal(3, ValueOf(gauge));
    }

    [Fact]
    public void Collect_Histogram_AdvisedBucketsSumAndCount()
    {
        using var collector = Collector();
        var meter = Factory.Create(MeterName);
        var duration = meter.CreateHistogram("duration", "s", null, null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });

        duration.Record(0.05);
        duration.Record(0.1);
        duration.Record(0.5);
        duration.Record(7);
        duration.Record(double.NaN);
        var point = Single(collector.Collect(), "duration").Points.Single();

        Assert.Equal([0.1, 1], point.Histogram!.Bounds);
        Assert.Equal([2L, 1L, 1L], point.Histogram.Counts);
        Assert.Equal(7.65, point.Histogram.Sum, 6);
        Assert.Equal(4, point.Histogram.Count);
    }

    [Fact]
    public void Collect_HistogramWithoutAdvice_OpenTelemetryDefaultBuckets()
    {
        using var collector = Collector();
        var meter = Factory.Create(MeterName);
        meter.CreateHistogram<long>("sizes").Record(30);

        var point = Single(collector.Collect(), "sizes").Points.Single();

        Assert.Equal(HistogramAggregate.DefaultBounds, point.Histogram!.Bounds);
        Assert.Equal(1, point.Histogram.Counts[4]);
    }

    [Fact]
    public void Collect_Observables_ReadEachTimeAndVanishedSeriesDropped()
    {
        using var collector = Collector();
        var meter = Factory.Create(MeterName);
        var tunnels = new Dictionary<string, long> { ["a"] = 1, ["b"] = 2 };
        meter.CreateObservableGauge("connections", () => tunnels.Select(t => new Measurement<long>(t.Value, Tag("tunnel", t.Key))));
        var total = 10L;
        meter.CreateObservableCounter("total", () => total);

        var first = collector.Collect();
        tunnels.Remove("a");
        tunnels["b"] = 4;
        total = 12;
        var second = collector.Collect();

        Assert.Equal(2, Single(first, "connections").Points.Count);
        Assert.Equal(4, ValueOf(Single(second, "connections"), ("tunnel", "b")));
        Assert.Single(Single(second, "connections").Points);
        Assert.Equal(MetricKind.Counter, Single(second, "total").Kind);
        Assert.Equal(12, ValueOf(Single(second, "total")));
    }

    [Fact]
    public void Collect_ThrowingCallback_OtherInstrumentsStillReported()
    {
        using var collector = Collector();
        var meter = Factory.Create(MeterName);
        Func<int> broken = () => throw new InvalidOperationException("boom");
        meter.CreateObservableGauge("broken", broken);
        meter.CreateObservableGauge("fine", () => 7);

        var metrics = collector.Collect();

        Assert.Equal(7, ValueOf(Single(metrics, "fine")));
        Assert.Empty(Single(metrics, "broken").Points);
    }

    [Fact]
    public void Collect_SyncGauge_LastValue()
    {
        using var collector = Collector();
        var meter = Factory.Create(MeterName);
        var gauge = meter.CreateGauge<double>("temperature", "Cel");

        gauge.Record(20.5);
        gauge.Record(21);

        Assert.Equal(21, ValueOf(Single(collector.Collect(), "temperature")));
    }

    [Fact]
    public void Select_OtherFactoriesAndOtherMeters_NotExported()
    {
        using var collector = new MetricsCollector(MetricsCollector.Select(Factory, [MeterName], ["Edge.Tests.Global"]));
        using var otherServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Factory.Create(MeterName).CreateCounter<int>("mine").Add(1);
        otherServices.GetRequiredService<IMeterFactory>().Create(MeterName).CreateCounter<int>("theirs").Add(1);
        Factory.Create("Edge.Tests.Unlisted").CreateCounter<int>("unlisted").Add(1);
        using var global = new Meter("Edge.Tests.Global");
        global.CreateCounter<int>("process_wide").Add(1);
        using var unscoped = new Meter(MeterName);
        unscoped.CreateCounter<int>("unscoped").Add(1);

        var names = collector.Collect().Select(m => m.Name).ToArray();

        Assert.Equal(["mine", "process_wide"], names);
    }

    [Fact]
    public void Collect_MeterDisposed_InstrumentsDropped()
    {
        using var collector = new MetricsCollector(MetricsCollector.Select(Factory, [], ["Edge.Tests.Disposable"]));
        var meter = new Meter("Edge.Tests.Disposable");
        meter.CreateCounter<int>("gone").Add(1);
        Assert.Single(collector.Collect());

        meter.Dispose();

        Assert.Empty(collector.Collect());
    }
}
