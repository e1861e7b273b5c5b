using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// Work handlers keep running after their response (<c>ctx.WaitUntil</c>): failures are logged, never
/// thrown, and shutdown waits for it up to the grace period. Work started with a token
/// (<see cref="Start(Func{CancellationToken, Task})"/>) is told when shutdown begins, as a hosted service's
/// stopping token is.
/// </summary>
internal sealed partial class BackgroundWork(ILogger<BackgroundWork> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger = logger;

    /// <summary>Cancelled when the host begins to stop.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Starts <paramref name="work"/> with <see cref="Stopping"/> and tracks it; a synchronous throw is
    /// logged like a failed task.</summary>
    public void Start(Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Task task;
        try
        {
            task = work(_stopping.Token) ?? Task.CompletedTask;
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }

        Track(task);
    }

    public int Count => _running.Count;

    public void Track(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _running.TryAdd(work, 0);
        _ = work.ContinueWith(
            (t, state) =>
            {
                var self = (BackgroundWork)state!;
                self._running.TryRemove(t, out _);
                if (t.IsFaulted && !(self._stopping.IsCancellationRequested && t.Exception!.GetBaseException() is OperationCanceledException))
                {
                    LogFailed(self._logger, t.Exception!.GetBaseException());
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        var pending = _running.Keys.ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogAbandoned(_logger, _running.Count);
        }
        catch (Exception)
        {
            // Each failure was already logged by its continuation.
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Background work failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Shutdown abandoned {Count} background tasks still running")]
    private static partial void LogAbandoned(ILogger logger, int count);
}
