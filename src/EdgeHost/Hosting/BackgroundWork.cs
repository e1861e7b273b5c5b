using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// Work handlers keep running after their response (<c>ctx.WaitUntil</c>): failures are logged, never
/// thrown, and shutdown waits for it up to the grace period.
/// </summary>
internal sealed partial class BackgroundWork(ILogger<BackgroundWork> logger) : IHostedService
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ILogger _logger = logger;

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
                if (t.IsFaulted)
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

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Background work failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Shutdown abandoned {Count} background tasks still running")]
    private static partial void LogAbandoned(ILogger logger, int count);
}
