namespace Edge.Functions;

/// <summary>
/// Start and stop hooks for a handler that owns background work (a cache sweeper, a connection, a timer), so the
/// work has an owner that starts it before the function gets traffic and stops it when the function goes away.
/// </summary>
/// <remarks>
/// Order: constructor, <see cref="StartAsync"/>, then requests and scheduled runs; at shutdown (or when the version
/// is retired) requests drain, <see cref="IExecutionContext.WaitUntil(Task)"/> work ends or its grace period passes,
/// then <see cref="StopAsync"/>, then <see cref="IAsyncDisposable.DisposeAsync"/> or <see cref="IDisposable.Dispose"/>
/// when the handler implements them.
/// </remarks>
public interface IFunctionLifecycle
{
    /// <summary>
    /// Runs once before the function receives its first request or scheduled run. Throwing refuses the function:
    /// the host reports the exception's message (a <see cref="FunctionConfigurationException"/> lists each problem)
    /// and does not route to it.
    /// </summary>
    /// <param name="cancellationToken">Cancelled when the host gives up starting (it is stopping).</param>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Runs once after the function's last request and scheduled run ended.</summary>
    /// <param name="cancellationToken">Cancelled when the host's shutdown grace period is over: stop at once.</param>
    Task StopAsync(CancellationToken cancellationToken);
}
