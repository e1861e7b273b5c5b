using System.Text;

namespace Edge.Host.Metrics;

/// <summary>
/// OpenTelemetry instrument names and units to Prometheus metric and label names, following OpenTelemetry's
/// "Prometheus and OpenMetrics compatibility" rules.
/// </summary>
/// <remarks>
/// 1. Characters outside <c>[a-zA-Z0-9_:]</c> become <c>_</c> (<c>edge.tunnel.relay.bytes</c> →
///    <c>edge_tunnel_relay_bytes</c>); runs of <c>_</c> collapse; a leading digit gets a <c>_</c> prefix.
/// 2. The unit becomes a suffix unless the name already ends with it: <c>s</c> → <c>_seconds</c>, <c>By</c> →
///    <c>_bytes</c>, <c>x/y</c> → <c>_x_per_y</c>, <c>1</c> → <c>_ratio</c> for gauges; annotations in braces
///    (<c>{request}</c>) are dropped.
/// 3. Counters end in <c>_total</c>.
/// </remarks>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> s_units = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tebibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["bit"] = "bits",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> s_perUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["m"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>The Prometheus metric (family) name for an instrument.</summary>
    public static string MetricName(string instrumentName, string? unit, MetricKind kind)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var suffix = UnitSuffix(unit, kind);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal) && name != suffix)
        {
            name = name + "_" + suffix;
        }

        if (kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>The Prometheus label name for a tag key (<c>http.response.status_code</c> →
    /// <c>http_response_status_code</c>).</summary>
    /// <remarks>Runs of <c>_</c> collapse, so no label can take Prometheus' reserved <c>__</c> prefix.</remarks>
    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>The suffix a unit adds, or "" (no unit, only annotations, or a dimensionless counter).</summary>
    public static string UnitSuffix(string? unit, MetricKind kind)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return "";
        }

        var bare = StripAnnotations(unit).Trim();
        if (bare.Length == 0)
        {
            return "";
        }

        if (bare == "1")
        {
            return kind == MetricKind.Gauge ? "ratio" : "";
        }

        var slash = bare.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var numerator = Unit(bare[..slash], s_units);
            var denominator = Unit(bare[(slash + 1)..], s_perUnits);
            return numerator.Length == 0 ? "per_" + denominator : (denominator.Length == 0 ? numerator : numerator + "_per_" + denominator);
        }

        return Unit(bare, s_units);
    }

    private static string Unit(string unit, Dictionary<string, string> table)
    {
        unit = unit.Trim();
        if (unit.Length == 0 || unit == "1")
        {
            return "";
        }

        return table.TryGetValue(unit, out var word) ? word : Sanitize(unit, allowColon: false).Trim('_');
    }

    private static string StripAnnotations(string unit)
    {
        var text = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && text.Length > 0 && text[^1] == '_')
            {
                continue;
            }

            text.Append(next);
        }

        if (text.Length == 0)
        {
            return "_";
        }

        if (char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }

        return text.ToString();
    }
}
