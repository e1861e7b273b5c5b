using Edge.Functions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// Starts and stops the host's functions: <see cref="IFunctionLifecycle.StartAsync"/> before the server takes
/// requests, and after it stopped (and after <see cref="BackgroundWork"/> drained) <see cref="IFunctionLifecycle.StopAsync"/>
/// then <see cref="IAsyncDisposable.DisposeAsync"/> or <see cref="IDisposable.Dispose"/>, in reverse order.
/// </summary>
/// <remarks>
/// Registered before every other hosted service of ours, so it starts first and stops last. A function whose start
/// fails refuses the host's start with its reason (<see cref="EdgeConfigurationException"/>); the functions started
/// before it are stopped again. A failing stop or dispose is logged and does not keep the others from stopping.
/// </remarks>
internal sealed partial class FunctionLifetime(ILogger<FunctionLifetime> logger) : IHostedService
{
    private readonly List<FunctionInstance> _started = [];
    private IReadOnlyList<FunctionInstance> _functions = [];

    /// <summary>The functions to start; set once, before the host starts.</summary>
    public void Set(IReadOnlyList<FunctionInstance> functions) => _functions = functions;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var function in _functions)
        {
            try
            {
                if (function.Handler is IFunctionLifecycle lifecycle)
                {
                    await lifecycle.StartAsync(cancellationToken);
                }

                _started.Add(function);
            }
            catch (FunctionConfigurationException ex)
            {
                errors.AddRange(ex.Errors.Select(e => $"Functions:{function.Name}: {e}"));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogStartFailed(logger, function.Name, ex);
                errors.Add($"Functions:{function.Name}: failed to start: {ex.GetType().Name}: {ex.Message}");
            }
        }

        if (errors.Count > 0)
        {
            await StopAsync(CancellationToken.None);
            throw new EdgeConfigurationException(errors);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            var function = _started[i];
            try
            {
                if (function.Handler is IFunctionLifecycle lifecycle)
                {
                    await lifecycle.StopAsync(cancellationToken);
                }
            }
            catch (Exception ex)
            {
                LogStopFailed(logger, function.Name, ex);
            }

            try
            {
                if (function.Handler is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync();
                }
                else if (function.Handler is IDisposable disposable)
                {
                    disposable.Dispose();
                }
            }
            catch (Exception ex)
            {
                LogStopFailed(logger, function.Name, ex);
            }
        }

        _started.Clear();
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Error, Message = "Function {Function} failed to start")]
    private static partial void LogStartFailed(ILogger logger, string function, Exception exception);

    [LoggerMessage(EventId = 51, Level = LogLevel.Error, Message = "Function {Function} failed to stop cleanly")]
    private static partial void LogStopFailed(ILogger logger, string function, Exception exception);
}
