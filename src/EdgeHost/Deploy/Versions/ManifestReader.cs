using System.Globalization;
using Edge.Host.Configuration;
using Edge.Host.Hosting;
using Edge.Host.Scheduling;
using Microsoft.Extensions.Configuration;

namespace Edge.Host.Deploy.Versions;

/// <summary>
/// Reads a function's manifest (<c>edge.yaml</c>, or the same keys from the CLI's flags) and reports every problem at
/// once, each naming its key: unknown keys (a typo must not be ignored), bad routes, schedules, durations, sizes.
/// </summary>
internal static class ManifestReader
{
    private static readonly string[] Known = ["Handler", "Routes", "Vars", "KeyValue", "Buckets", "Schedules", "Timeout", "MemoryLimit", "Isolation"];

    /// <summary>Reads <paramref name="yaml"/>. Returns the manifest, or null with the problems in <paramref name="errors"/>.</summary>
    public static FunctionManifest? FromYaml(string yaml, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        IConfiguration configuration;
        try
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(yaml));
            configuration = new ConfigurationBuilder().AddInMemoryCollection(YamlConfigurationProvider.Parse(stream)).Build();
        }
        catch (FormatException ex)
        {
            errors.Add("edge.yaml: " + ex.Message);
            return null;
        }

        return Read(configuration, errors);
    }

    /// <summary>Reads the manifest keys of <paramref name="section"/>.</summary>
    public static FunctionManifest? Read(IConfiguration section, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        var before = errors.Count;
        foreach (var child in section.GetChildren())
        {
            if (string.Equals(child.Key, "Secrets", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("Secrets: secret values do not belong in edge.yaml (it is usually committed); set them with `edge secret put NAME KEY` (value from stdin).");
            }
            else if (!Known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Key}: unknown key; known keys are {string.Join(", ", Known)}.");
            }
        }

        var routes = List(section.GetSection("Routes"));
        foreach (var route in routes)
        {
            if (!RoutePattern.TryParse(route, out _, out var error))
            {
                errors.Add($"Routes: {error}.");
            }
        }

        var schedules = new List<ManifestSchedule>();
        foreach (var child in section.GetSection("Schedules").GetChildren())
        {
            var options = new ScheduleOptions { Cron = child["Cron"] ?? child.Value, TimeZone = child["TimeZone"] ?? "UTC" };
            if (FunctionSchedule.TryCreate(options, out var error) is null)
            {
                errors.Add($"Schedules:{child.Key}: {error}");
            }
            else
            {
                schedules.Add(new ManifestSchedule(options.Cron!.Trim(), options.TimeZone));
            }
        }

        if (routes.Count == 0 && schedules.Count == 0)
        {
            errors.Add("Routes: a function needs at least one route or one schedule, or it would never run.");
        }

        var timeout = Duration(section["Timeout"], "Timeout", errors);
        if (timeout is { } t && (t <= TimeSpan.Zero || t > TimeSpan.FromDays(1)))
        {
            errors.Add("Timeout: must be positive and at most 1 day.");
        }

        var memory = Size(section["MemoryLimit"], "MemoryLimit", errors);
        if (memory is < 16 * 1024 * 1024)
        {
            errors.Add("MemoryLimit: must be at least 16Mi (a .NET worker needs about that much to start).");
        }

        var isolation = FunctionIsolation.Worker;
        switch (section["Isolation"]?.Trim().ToLowerInvariant())
        {
            case null or "" or "worker":
                break;
            case "in-process" or "inprocess":
                isolation = FunctionIsolation.InProcess;
                break;
            default:
                errors.Add($"Isolation: '{section["Isolation"]}' is not 'worker' or 'in-process'.");
                break;
        }

        var handler = section["Handler"]?.Trim();
        if (errors.Count > before)
        {
            return null;
        }

        return new FunctionManifest(
            string.IsNullOrEmpty(handler) ? null : handler,
            routes,
            Flatten(section.GetSection("Vars")),
            Flatten(section.GetSection("KeyValue")),
            Flatten(section.GetSection("Buckets")),
            schedules,
            timeout,
            memory,
            isolation);
    }

    /// <summary>A duration as <c>90s</c>, <c>5m</c>, <c>1h</c>, <c>250ms</c> or <c>hh:mm:ss</c>.</summary>
    public static TimeSpan? Duration(string? text, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value >= 0)
            {
                return TimeSpan.FromMilliseconds(value * scale);
            }
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        errors.Add($"{key}: '{text}' is not a duration (use 30s, 5m, 1h, 250ms or hh:mm:ss).");
        return null;
    }

    /// <summary>A size in bytes as <c>256Mi</c>, <c>1Gi</c>, <c>512M</c>, <c>64Ki</c> or a plain number of bytes.</summary>
    public static long? Size(string? text, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        (string Suffix, long Scale)[] units = [("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("", 1)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && long.TryParse(text[..^suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                && value <= long.MaxValue / scale)
            {
                return value * scale;
            }
        }

        errors.Add($"{key}: '{text}' is not a size (use 256Mi, 1Gi, 512M or a number of bytes).");
        return null;
    }

    private static List<string> List(IConfigurationSection section) =>
        [.. section.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim())];

    private static Dictionary<string, string> Flatten(IConfigurationSection section)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is not null)
            {
                values[key] = value;
            }
        }

        return values;
    }
}
