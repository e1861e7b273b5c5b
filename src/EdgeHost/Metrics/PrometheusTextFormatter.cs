using System.Globalization;
using System.Text;

namespace Edge.Host.Metrics;

/// <summary>
/// Writes metric snapshots in the Prometheus text exposition format, version 0.0.4 (what every Prometheus-compatible
/// scraper reads).
/// </summary>
/// <remarks>
/// Families are sorted by name; each gets <c># HELP</c> (the description) and <c># TYPE</c>. Instruments whose
/// names collide after conversion share a family when their kinds agree (a later one of another kind is left out),
/// and a repeated label set is written once, so the output always parses.
/// </remarks>
internal static class PrometheusTextFormatter
{
    /// <summary>The response content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(IEnumerable<MetricSnapshot> metrics, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(writer);
        var families = new SortedDictionary<string, Family>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            var name = PrometheusNames.MetricName(metric.Name, metric.Unit, metric.Kind);
            if (!families.TryGetValue(name, out var family))
            {
                families[name] = family = new Family(metric.Kind, metric.Description);
            }
            else if (family.Kind != metric.Kind)
            {
                continue;
            }

            foreach (var point in metric.Points)
            {
                var labels = Labels(point.Tags);
                if (family.Seen.Add(Render(labels, null)))
                {
                    family.Points.Add((labels, point));
                }
            }
        }

        foreach (var (name, family) in families)
        {
            if (family.Points.Count == 0)
            {
                continue;
            }

            if (!string.IsNullOrWhiteSpace(family.Help))
            {
                writer.Write("# HELP ");
                writer.Write(name);
                writer.Write(' ');
                writer.Write(EscapeHelp(family.Help));
                writer.Write('\n');
            }

            writer.Write("# TYPE ");
            writer.Write(name);
            writer.Write(family.Kind switch
            {
                MetricKind.Counter => " counter\n",
                MetricKind.Histogram => " histogram\n",
                _ => " gauge\n",
            });

            foreach (var (labels, point) in family.Points.OrderBy(p => Render(p.Labels, null), StringComparer.Ordinal))
            {
                if (family.Kind == MetricKind.Histogram && point.Histogram is { } histogram)
                {
                    WriteHistogram(writer, name, labels, histogram);
                }
                else
                {
                    WriteSample(writer, name, Render(labels, null), point.Value);
                }
            }
        }
    }

    /// <summary>A sample value: shortest round-trip form, <c>+Inf</c>, <c>-Inf</c> or <c>NaN</c>.</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteHistogram(TextWriter writer, string name, List<KeyValuePair<string, string>> labels, HistogramValue histogram)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += histogram.Counts[i];
            WriteSample(writer, name + "_bucket", Render(labels, FormatValue(histogram.Bounds[i])), cumulative);
        }

        WriteSample(writer, name + "_bucket", Render(labels, "+Inf"), histogram.Count);
        WriteSample(writer, name + "_sum", Render(labels, null), histogram.Sum);
        WriteSample(writer, name + "_count", Render(labels, null), histogram.Count);
    }

    private static void WriteSample(TextWriter writer, string name, string labels, double value)
    {
        writer.Write(name);
        writer.Write(labels);
        writer.Write(' ');
        writer.Write(FormatValue(value));
        writer.Write('\n');
    }

    /// <summary>Tags as label pairs sorted by label name; tags whose names collide after conversion are joined with
    /// <c>;</c> (in tag-key order) as OpenTelemetry specifies.</summary>
    private static List<KeyValuePair<string, string>> Labels(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var name = PrometheusNames.LabelName(key);
            labels[name] = labels.TryGetValue(name, out var existing) ? existing + ";" + value : value;
        }

        return [.. labels];
    }

    private static string Render(List<KeyValuePair<string, string>> labels, string? le)
    {
        if (labels.Count == 0 && le is null)
        {
            return "";
        }

        var text = new StringBuilder("{");
        foreach (var (name, value) in labels)
        {
            if (le is not null && name == "le")
            {
                continue;
            }

            if (text.Length > 1)
            {
                text.Append(',');
            }

            text.Append(name).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }

        if (le is not null)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            text.Append("le=\"").Append(le).Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class Family(MetricKind kind, string? help)
    {
        public MetricKind Kind { get; } = kind;

        public string? Help { get; } = help;

        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

        public List<(List<KeyValuePair<string, string>> Labels, MetricPoint Point)> Points { get; } = [];
    }
}
