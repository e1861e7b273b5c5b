using System.Collections.Concurrent;
using Edge.Functions;
using Edge.Host.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Scheduling;

/// <summary>
/// Runs the scheduled handlers (<see cref="IScheduledHandler"/>) of the host's functions at each occurrence of their
/// schedules, on <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// One loop per schedule waits for the next occurrence (in steps of at most <see cref="MaxWait"/>, so a timer's range
/// and a changed clock do not matter) and starts a run unless the previous run of that schedule is still going; then
/// the occurrence is skipped and logged, so runs never overlap. Occurrences missed while the host was down or late are
/// not caught up. Each run gets the function's deadline and the host's stopping token. Registered after
/// <see cref="FunctionLifetime"/> and <see cref="BackgroundWork"/>, so it stops first: no run starts once those stop.
/// </remarks>
internal sealed partial class FunctionScheduler(BackgroundWork background, TimeProvider time, ILogger<FunctionScheduler> logger) : IHostedService, IDisposable
{
    /// <summary>The longest single wait for an occurrence.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<Task, CancellationTokenSource> _runs = new();
    private readonly Dictionary<FunctionInstance, Schedules> _byFunction = new(ReferenceEqualityComparer.Instance);
    private IReadOnlyList<FunctionInstance> _functions = [];
    private bool _started;

    /// <summary>Raised after every occurrence, run or skipped (for tests and, later, the run history).</summary>
    public event Action<ScheduleRun>? Completed;

    /// <summary>Raised when a schedule's loop begins to wait for its next occurrence (function, expression, occurrence):
    /// tests advance a fake clock on it instead of guessing when the loop is ready.</summary>
    public event Action<string, string, DateTimeOffset>? Waiting;

    /// <summary>The functions whose schedules run; set once, before the host starts.</summary>
    public void Set(IReadOnlyList<FunctionInstance> functions) => _functions = functions;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _started = true;
            foreach (var function in _functions)
            {
                AddLocked(function);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Starts the schedules of <paramref name="function"/> (a deployed version going live). Before the host
    /// starts they wait for it; after it stopped nothing starts.</summary>
    public void Add(FunctionInstance function)
    {
        lock (_gate)
        {
            if (_started && !_stopping.IsCancellationRequested)
            {
                AddLocked(function);
            }
            else if (!_started)
            {
                _functions = [.. _functions, function];
            }
        }
    }

    /// <summary>Stops the schedules of <paramref name="function"/> (a version retired): no new run starts, and a run in
    /// progress is cancelled and awaited (up to <paramref name="cancellationToken"/>).</summary>
    public async Task RemoveAsync(FunctionInstance function, CancellationToken cancellationToken)
    {
        Schedules? schedules;
        lock (_gate)
        {
            _byFunction.Remove(function, out schedules);
        }

        if (schedules is null)
        {
            return;
        }

        await schedules.Stop.CancelAsync();
        try
        {
            await Task.WhenAll(schedules.Loops.Concat(_runs.Where(r => r.Value == schedules.Stop).Select(r => r.Key))).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogAbandoned(logger, 1);
        }
        finally
        {
            schedules.Stop.Dispose();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _byFunction.Values.SelectMany(s => s.Loops), .. _runs.Keys];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogAbandoned(logger, _runs.Count);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private void AddLocked(FunctionInstance function)
    {
        if (function.Handler is not IScheduledHandler handler || function.Schedules.Count == 0 || _byFunction.ContainsKey(function))
        {
            return;
        }

        // Cancelled when the host stops or the function's version is retired.
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var loops = new List<Task>();
        foreach (var schedule in function.Schedules)
        {
            loops.Add(Task.Run(() => LoopAsync(function, handler, schedule, stop), CancellationToken.None));
            LogScheduled(logger, function.Name, schedule.Cron, schedule.Zone.Id);
        }

        _byFunction[function] = new Schedules(stop, loops);
    }

    private async Task LoopAsync(FunctionInstance function, IScheduledHandler handler, FunctionSchedule schedule, CancellationTokenSource stop)
    {
        var stopping = stop.Token;
        Task? running = null;
        var after = time.GetUtcNow();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (schedule.Next(after) is not { } next)
                {
                    LogNoMoreOccurrences(logger, function.Name, schedule.Cron);
                    return;
                }

                Waiting?.Invoke(function.Name, schedule.Cron, next);
                for (var wait = next - time.GetUtcNow(); wait > TimeSpan.Zero; wait = next - time.GetUtcNow())
                {
                    await Task.Delay(wait < MaxWait ? wait : MaxWait, time, stopping);
                }

                // Late (a busy host, a suspended machine): the next occurrence is the first after now, not a backlog.
                var now = time.GetUtcNow();
                after = now > next ? now : next;
                if (running is { IsCompleted: false })
                {
                    LogSkipped(logger, function.Name, schedule.Cron, next);
                    Completed?.Invoke(new ScheduleRun(function.Name, schedule.Cron, next, ScheduleOutcome.Skipped, TimeSpan.Zero));
                    continue;
                }

                running = Task.Run(() => RunAsync(function, handler, schedule, next, stopping), CancellationToken.None);
                _runs.TryAdd(running, stop);
                _ = running.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, CancellationTokenSource>)state!).TryRemove(t, out _), _runs, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task RunAsync(FunctionInstance function, IScheduledHandler handler, FunctionSchedule schedule, DateTimeOffset occurrence, CancellationToken stopping)
    {
        using var deadline = function.Timeout is { } timeout ? new CancellationTokenSource(timeout, time) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline?.Token ?? CancellationToken.None);
        var context = new ScheduledContext(function.Logger, background, linked.Token);
        var started = time.GetTimestamp();
        ScheduleOutcome outcome;
        try
        {
            await handler.ScheduledAsync(new ScheduledEvent(schedule.Cron, schedule.Zone.Id, occurrence), function.Env, context);
            outcome = ScheduleOutcome.Succeeded;
            LogRan(logger, function.Name, schedule.Cron, occurrence, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !stopping.IsCancellationRequested)
        {
            outcome = ScheduleOutcome.TimedOut;
            LogDeadline(logger, function.Name, schedule.Cron, occurrence, function.Timeout!.Value);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            outcome = ScheduleOutcome.Canceled;
        }
        catch (Exception ex)
        {
            outcome = ScheduleOutcome.Failed;
            LogFailed(logger, function.Name, schedule.Cron, occurrence, ex);
        }

        Completed?.Invoke(new ScheduleRun(function.Name, schedule.Cron, occurrence, outcome, time.GetElapsedTime(started)));
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Function {Function} runs on schedule '{Cron}' ({TimeZone})")]
    private static partial void LogScheduled(ILogger logger, string function, string cron, string timeZone);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Function {Function} ran for schedule '{Cron}' at {Occurrence:O} in {Duration:0} ms")]
    private static partial void LogRan(ILogger logger, string function, string cron, DateTimeOffset occurrence, double duration);

    [LoggerMessage(EventId = 62, Level = LogLevel.Error, Message = "Function {Function} failed its scheduled run for '{Cron}' at {Occurrence:O}")]
    private static partial void LogFailed(ILogger logger, string function, string cron, DateTimeOffset occurrence, Exception exception);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Function {Function} skipped schedule '{Cron}' at {Occurrence:O}: its previous run is still going")]
    private static partial void LogSkipped(ILogger logger, string function, string cron, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 64, Level = LogLevel.Warning, Message = "Function {Function} exceeded its time limit of {Timeout} on schedule '{Cron}' at {Occurrence:O}")]
    private static partial void LogDeadline(ILogger logger, string function, string cron, DateTimeOffset occurrence, TimeSpan timeout);

    [LoggerMessage(EventId = 65, Level = LogLevel.Warning, Message = "Function {Function}: schedule '{Cron}' has no further occurrence")]
    private static partial void LogNoMoreOccurrences(ILogger logger, string function, string cron);

    [LoggerMessage(EventId = 66, Level = LogLevel.Warning, Message = "Shutdown abandoned {Count} scheduled runs still going")]
    private static partial void LogAbandoned(ILogger logger, int count);

    /// <summary>The loops of one function instance and what stops them.</summary>
    private sealed record Schedules(CancellationTokenSource Stop, List<Task> Loops);
}
