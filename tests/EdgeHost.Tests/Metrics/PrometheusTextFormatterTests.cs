using Edge.Host.Metrics;

namespace Edge.Host.Tests.Metrics;

public sealed class PrometheusTextFormatterTests
{
    private static KeyValuePair<string, string>[] Tags(params (string Key, string Value)[] tags) =>
        [.. tags.Select(t => new KeyValuePair<string, string>(t.Key, t.Value))];

    private static string Format(params MetricSnapshot[] metrics)
    {
        using var writer = new StringWriter();
        PrometheusTextFormatter.Write(metrics, writer);
        return writer.ToString();
    }

    [Fact]
    public void Write_CounterAndGauge_HelpTypeAndSortedSeries()
    {
        var text = Format(
            new MetricSnapshot("edge.tunnel.relay.requests", "{request}", "Requests answered.", MetricKind.Counter,
            [
                new MetricPoint(Tags(("status", "404"), ("tunnel", "home")), 2),
                new MetricPoint(Tags(("status", "200"), ("tunnel", "home")), 10),
            ]),
            new MetricSnapshot("edge.tunnel.relay.connections", "{connection}", "Live agent connections.", MetricKind.Gauge,
            [
                new MetricPoint(Tags(("tunnel", "home")), 4),
            ]));

        Assert.Equal(
            """
            # HELP edge_tunnel_relay_connections Live agent connections.
            # TYPE edge_tunnel_relay_connections gauge
            edge_tunnel_relay_connections{tunnel="home"} 4
            # HELP edge_tunnel_relay_requests_total Requests answered.
            # TYPE edge_tunnel_relay_requests_total counter
            edge_tunnel_relay_requests_total{status="200",tunnel="home"} 10
            edge_tunnel_relay_requests_total{status="404",tunnel="home"} 2

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void Write_Histogram_CumulativeBucketsInfSumCount()
    {
        var histogram = new HistogramValue([0.01, 0.1, 1], [1, 2, 0, 1], 2.5, 4);
        var text = Format(new MetricSnapshot("edge.tunnel.agent.connect.duration", "s", "Connect time.", MetricKind.Histogram,
        [
            new MetricPoint(Tags(("tunnel", "home")), 4, histogram),
        ]));

        Assert.Equal(
            """
            # HELP edge_tunnel_agent_connect_duration_seconds Connect time.
            # TYPE edge_tunnel_agent_connect_duration_seconds histogram
            edge_tunnel_agent_connect_duration_seconds_bucket{tunnel="home",le="0.01"} 1
            edge_tunnel_agent_connect_duration_seconds_bucket{tunnel="home",le="0.1"} 3
            edge_tunnel_agent_connect_duration_seconds_bucket{tunnel="home",le="1"} 3
            edge_tunnel_agent_connect_duration_seconds_bucket{tunnel="home",le="+Inf"} 4
            edge_tunnel_agent_connect_duration_seconds_sum{tunnel="home"} 2.5
            edge_tunnel_agent_connect_duration_seconds_count{tunnel="home"} 4

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void Write_LabelValuesAndHelp_Escaped()
    {
        var text = Format(new MetricSnapshot("odd", null, "line one\nback\\slash", MetricKind.Gauge,
        [
            new MetricPoint(Tags(("path", "a\"b\\c\nd")), 1),
        ]));

        Assert.Contains("# HELP odd line one\\nback\\\\slash\n", text, StringComparison.Ordinal);
        Assert.Contains("odd{path=\"a\\\"b\\\\c\\nd\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NoLabelsNoHelp_BareSample()
    {
        var text = Format(new MetricSnapshot("edge.tunnel.relay.unrouted_requests", "{request}", null, MetricKind.Counter, [new MetricPoint([], 3)]));

        Assert.Equal("# TYPE edge_tunnel_relay_unrouted_requests_total counter\nedge_tunnel_relay_unrouted_requests_total 3\n", text);
    }

    [Fact]
    public void Write_CollidingNamesAndLabelSets_OneFamilyNoDuplicateSeriesKindsNotMixed()
    {
        var text = Format(
            new MetricSnapshot("a.b", null, "first", MetricKind.Gauge, [new MetricPoint(Tags(("x", "1")), 1)]),
            new MetricSnapshot("a_b", null, "second", MetricKind.Gauge, [new MetricPoint(Tags(("x", "1")), 2), new MetricPoint(Tags(("x", "2")), 3)]),
            new MetricSnapshot("a-b", null, "third", MetricKind.Histogram, [new MetricPoint([], 1, new HistogramValue([1], [1, 0], 1, 1))]));

        Assert.Equal("# HELP a_b first\n# TYPE a_b gauge\na_b{x=\"1\"} 1\na_b{x=\"2\"} 3\n", text);
    }

    [Fact]
    public void Write_TagKeysCollidingAfterSanitizing_ValuesJoined()
    {
        var text = Format(new MetricSnapshot("m", null, null, MetricKind.Gauge, [new MetricPoint(Tags(("a.b", "1"), ("a_b", "2")), 1)]));

        Assert.Contains("m{a_b=\"1;2\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_EmptyFamily_Omitted()
    {
        Assert.Equal("", Format(new MetricSnapshot("nothing.yet", "s", "no points", MetricKind.Histogram, [])));
    }

    [Theory]
    [InlineData(0d, "0")]
    [InlineData(1d, "1")]
    [InlineData(0.005, "0.005")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void FormatValue_PrometheusNumbers(double value, string expected)
    {
        Assert.Equal(expected, PrometheusTextFormatter.FormatValue(value));
    }
}
