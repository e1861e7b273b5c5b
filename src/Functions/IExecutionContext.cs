using Microsoft.Extensions.Logging;

namespace Edge.Functions;

/// <summary>
/// What every invocation of a function gets, whether a request (<see cref="IFetchContext"/>) or a scheduled run
/// (<see cref="IScheduledHandler.ScheduledAsync"/>): its cancellation, its logger and background work.
/// </summary>
public interface IExecutionContext
{
    /// <summary>
    /// Cancelled when the invocation ends early: the client went away, the function's deadline passed, or the host
    /// is stopping a scheduled run, whichever comes first.
    /// </summary>
    CancellationToken Aborted { get; }

    /// <summary>A logger for this invocation's function.</summary>
    ILogger Logger { get; }

    /// <summary>
    /// Keeps <paramref name="work"/> running after the invocation returns (after the response is sent). On shutdown
    /// the host waits for it up to its grace period; a failure is logged, never thrown.
    /// </summary>
    void WaitUntil(Task work);

    /// <summary>
    /// Starts <paramref name="work"/> and keeps it running after the invocation returns, like
    /// <see cref="WaitUntil(Task)"/>, with a token that is cancelled when the host begins to stop (or the function is
    /// retired), so long work can end early and cleanly. The host then waits for it up to its grace period.
    /// </summary>
    void WaitUntil(Func<CancellationToken, Task> work);
}
