namespace Edge.Host.Scheduling;

/// <summary>How a scheduled run ended.</summary>
internal enum ScheduleOutcome
{
    /// <summary>The handler returned.</summary>
    Succeeded,

    /// <summary>The handler threw.</summary>
    Failed,

    /// <summary>The function's deadline cancelled it.</summary>
    TimedOut,

    /// <summary>The host stopped while it ran.</summary>
    Canceled,

    /// <summary>It did not run: the previous run of its schedule was still going.</summary>
    Skipped,
}

/// <summary>One occurrence of a schedule and what became of it.</summary>
/// <param name="Function">The function's name.</param>
/// <param name="Cron">The schedule's expression.</param>
/// <param name="ScheduledTime">The occurrence (UTC).</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Duration">How long the handler ran (zero when skipped).</param>
internal sealed record ScheduleRun(string Function, string Cron, DateTimeOffset ScheduledTime, ScheduleOutcome Outcome, TimeSpan Duration);
