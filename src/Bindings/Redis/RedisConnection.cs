using Edge.Tls;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Edge.Bindings.Redis;

/// <summary>
/// The one multiplexed connection of a <see cref="RedisKeyValueDatabase"/> (StackExchange.Redis's
/// <see cref="ConnectionMultiplexer"/>): opened on first use, so a host starts while Redis is down, and shared by
/// every operation of every namespace. Reconnecting, and following a Sentinel's failover, are the library's.
/// </summary>
/// <remarks>
/// An operation:
/// 1. waits for the connection (the first one opens it, bounded by the connect timeout; once the library has
///    tried, operations no longer wait for it: while Redis is unreachable they fail at once, as it queues nothing);
/// 2. sends its commands and waits for the reply, bounded by the operation timeout and the caller's token.
/// Every failure becomes a <see cref="RedisException"/> naming the endpoint and the operation, except the caller's
/// own cancellation, which stays an <see cref="OperationCanceledException"/>. The library cannot withdraw a command
/// once written, so after a cancellation or a timeout the command may still complete on the server.
/// </remarks>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly RedisKeyValueOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConfigurationOptions configuration;
    private readonly Lock gate = new();
    private Task<ConnectionMultiplexer>? connecting;
    private bool disposed;

    public RedisConnection(RedisKeyValueOptions options, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        var validator = options.UseTls
            ? new PeerCertificateValidator(options.TrustedCertificates, "the Redis server", "Edge:KeyValue:CaCertificatePath")
            : null;
        configuration = CreateConfiguration(validator);
    }

    /// <summary>Where the connection goes, for messages: never credentials.</summary>
    public string Endpoint => options.Endpoint;

    /// <summary>
    /// Runs <paramref name="command"/> (which sends commands on the database it is given and returns their
    /// outcome) and returns its result. <paramref name="operation"/> names it in messages.
    /// </summary>
    /// <exception cref="RedisException">Redis unreachable, too slow, or it answered with an error.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public async Task<T> ExecuteAsync<T>(string operation, Func<IDatabase, Task<T>> command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        cancellationToken.ThrowIfCancellationRequested();

        // 1. Connection.
        var multiplexer = await GetMultiplexerAsync(operation, cancellationToken);

        // 2. Commands and reply. The library times commands out on its heartbeat (once a second), so the timeout
        //    is kept here too, to the millisecond.
        Task<T> pending;
        try
        {
            pending = command(multiplexer.GetDatabase(options.Database));
        }
        catch (Exception ex) when (IsLibraryFailure(ex))
        {
            throw Translate(ex, operation);
        }

        try
        {
            await ((Task)pending).WaitAsync(options.OperationTimeout, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!pending.IsCompleted)
            {
                // Abandoned, not withdrawn: the command may still complete on the server.
                Observe(pending);
                cancellationToken.ThrowIfCancellationRequested();
                throw TimedOut(operation);
            }

            return await pending;
        }
        catch (Exception ex) when (IsLibraryFailure(ex))
        {
            throw Translate(ex, operation);
        }
    }

    /// <summary>
    /// The multiplexer, opening it on first use (bounded by the connect timeout, the wait by
    /// <paramref name="cancellationToken"/>). A failed opening is tried again by the next operation.
    /// </summary>
    internal async Task<ConnectionMultiplexer> GetMultiplexerAsync(string operation, CancellationToken cancellationToken)
    {
        Task<ConnectionMultiplexer> opening;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (connecting is null || connecting.IsFaulted || connecting.IsCanceled)
            {
                connecting = OpenAsync();
                Observe(connecting);
            }

            opening = connecting;
        }

        try
        {
            await ((Task)opening).WaitAsync(options.ConnectTimeout, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!opening.IsCompleted)
            {
                // The opening goes on for the operations after this one.
                cancellationToken.ThrowIfCancellationRequested();
                throw new RedisException($"Could not connect to Redis at {Endpoint} within {options.ConnectTimeout} ({operation}).");
            }

            return await opening;
        }
        catch (Exception ex) when (IsLibraryFailure(ex))
        {
            throw Translate(ex, operation);
        }
    }

    /// <summary>Closes the connection; later operations throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        Task<ConnectionMultiplexer>? opened;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            opened = connecting;
        }

        // Now, or once opened: an opening that sees the flag first closes the multiplexer itself and fails.
        opened?.ContinueWith(
            static task => task.Result.Dispose(),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task<ConnectionMultiplexer> OpenAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
        lock (gate)
        {
            if (disposed)
            {
                multiplexer.Dispose();
                throw new ObjectDisposedException(nameof(RedisConnection));
            }
        }

        if (multiplexer.IsConnected)
        {
            Interlocked.Exchange(ref reachable, 1);
            RedisKeyValueLog.Connected(logger, Endpoint, options.UseTls);
        }
        else
        {
            await FailedAttemptReportedAsync();
            ReportUnavailable(Endpoint, DescribeLastAttempt() ?? "no server answered");
        }

        return multiplexer;
    }

    /// <summary>Keeps a task whose outcome nobody awaits any more from raising an unobserved exception.</summary>
    internal static void Observe(Task task) =>
        task.ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
