using Cronos;
using Edge.Host.Configuration;

namespace Edge.Host.Scheduling;

/// <summary>A parsed schedule of a function: the cron expression as configured, read in its time zone.</summary>
internal sealed class FunctionSchedule
{
    private readonly CronExpression _expression;

    private FunctionSchedule(string cron, CronExpression expression, TimeZoneInfo zone)
    {
        Cron = cron;
        _expression = expression;
        Zone = zone;
    }

    /// <summary>The expression as configured.</summary>
    public string Cron { get; }

    /// <summary>The time zone the expression is read in.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, Zone);

    /// <summary>Parses <paramref name="options"/>; on failure returns null and says why in <paramref name="error"/>.</summary>
    public static FunctionSchedule? TryCreate(ScheduleOptions options, out string? error)
    {
        var cron = options.Cron?.Trim();
        if (string.IsNullOrEmpty(cron))
        {
            error = "Cron is required (for example \"0 3 * * *\", or \"*/10 * * * * *\" with seconds).";
            return null;
        }

        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        CronFormat format;
        if (fields == 6)
        {
            format = CronFormat.IncludeSeconds;
        }
        else if (fields == 5 || (fields == 1 && cron.StartsWith('@')))
        {
            format = CronFormat.Standard;
        }
        else
        {
            error = $"Cron '{cron}' has {fields} fields: use five (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @hourly.";
            return null;
        }

        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(cron, format);
        }
        catch (CronFormatException ex)
        {
            error = $"Cron '{cron}' is not valid: {ex.Message}";
            return null;
        }

        TimeZoneInfo zone;
        try
        {
            zone = string.Equals(options.TimeZone, "UTC", StringComparison.OrdinalIgnoreCase)
                ? TimeZoneInfo.Utc
                : TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            error = $"TimeZone '{options.TimeZone}' is not a time zone known to this machine (use an IANA name such as Europe/Berlin).";
            return null;
        }

        error = null;
        return new FunctionSchedule(cron, expression, zone);
    }
}
