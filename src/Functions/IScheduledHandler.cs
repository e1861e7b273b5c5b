namespace Edge.Functions;

/// <summary>
/// A function that runs on schedules, beside (or instead of) handling requests: the C# shape of
/// <c>scheduled(event, env, ctx)</c>. The host calls <see cref="ScheduledAsync"/> at each occurrence of each
/// schedule configured for the function.
/// </summary>
/// <remarks>
/// Runs of one schedule never overlap: an occurrence that comes while the previous run is still going is skipped
/// (and logged). The function's deadline applies to each run through <see cref="IExecutionContext.Aborted"/>, which
/// is also cancelled when the host stops. A run that throws is logged with its schedule; the next occurrence runs
/// as usual.
/// </remarks>
public interface IScheduledHandler
{
    /// <summary>Runs once for one occurrence of a schedule.</summary>
    /// <param name="scheduled">Which schedule fired, and for what time.</param>
    /// <param name="env">The function's bindings, as for its requests.</param>
    /// <param name="ctx">Cancellation (deadline or host stopping), logger and background work.</param>
    ValueTask ScheduledAsync(ScheduledEvent scheduled, IEdgeEnv env, IExecutionContext ctx);
}

/// <summary>One occurrence of a function's schedule.</summary>
/// <param name="Cron">The schedule's cron expression as configured (five fields, or six with seconds first).</param>
/// <param name="TimeZone">The IANA time zone the expression is read in (<c>UTC</c> unless configured).</param>
/// <param name="ScheduledTime">The occurrence this run is for (UTC); the run starts at or just after it.</param>
public sealed record ScheduledEvent(string Cron, string TimeZone, DateTimeOffset ScheduledTime);
