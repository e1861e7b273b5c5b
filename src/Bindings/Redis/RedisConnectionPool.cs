using Edge.Tls;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Edge.Bindings.Redis;

/// <summary>
/// Up to <see cref="RedisKeyValueOptions.MaxConnections"/> connections, each lent to one operation at a time.
/// Safe for any number of concurrent callers; they wait (bounded by the operation timeout) when all are busy.
/// </summary>
/// <remarks>
/// An operation:
/// 1. waits for a free slot (operation timeout);
/// 2. takes an idle connection that still looks alive, or opens one (connect timeout): a server restart
///    closes idle sockets, which is how the pool notices and reconnects without failing an operation;
/// 3. exchanges its pipeline (operation timeout); a connection whose exchange failed is dropped.
/// Every failure becomes a <see cref="RedisException"/> naming the endpoint and command, except the caller's
/// own cancellation, which stays an <see cref="OperationCanceledException"/>.
/// </remarks>
internal sealed class RedisConnectionPool : IDisposable
{
    private readonly RedisKeyValueOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly PeerCertificateValidator? validator;
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentStack<RedisConnection> idle = new();
    private int reachable = 1;
    private int disposed;

    public RedisConnectionPool(RedisKeyValueOptions options, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        validator = options.UseTls ? new PeerCertificateValidator(options.TrustedCertificates, "the Redis server", "Edge:KeyValue:CaCertificatePath") : null;
        slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
    }

    /// <summary>Connections open and idle right now (for tests and diagnostics).</summary>
    public int IdleCount => idle.Count;

    /// <summary>
    /// Runs <paramref name="commands"/> as one pipeline on a pooled connection and returns their replies (error
    /// replies included, as data). <paramref name="operation"/> names it in messages.
    /// </summary>
    /// <exception cref="RedisException">Redis unreachable, too slow, or the exchange failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<RespReply[]> ExecuteAsync(string operation, IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);

        // 1. Slot.
        using (var waitTimeout = new CancellationTokenSource(options.OperationTimeout, time))
        using (var waitLinked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, waitTimeout.Token))
        {
            try
            {
                await slots.WaitAsync(waitLinked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Fail(new RedisException($"All {options.MaxConnections} connections to Redis at {options.Endpoint} stayed busy for {options.OperationTimeout} ({operation})."));
            }
        }

        RedisConnection? connection = null;
        try
        {
            // 2. Connection.
            connection = TakeIdle() ?? await OpenAsync(operation, cancellationToken);

            // 3. Exchange, timed on its own so a slow connect does not eat the operation's time.
            using var exchangeTimeout = new CancellationTokenSource(options.OperationTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, exchangeTimeout.Token);
            RespReply[] replies;
            try
            {
                replies = await connection.ExecuteAsync(commands, linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Fail(new RedisException($"Redis at {options.Endpoint} did not answer {operation} within {options.OperationTimeout}."));
            }
            catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException)
            {
                throw Fail(new RedisException($"The connection to Redis at {options.Endpoint} failed during {operation}: {ex.Message}", ex));
            }

            if (Interlocked.Exchange(ref reachable, 1) == 0)
            {
                RedisKeyValueLog.Reconnected(logger, options.Endpoint);
            }

            return replies;
        }
        finally
        {
            if (connection is not null)
            {
                if (connection.IsBroken || Volatile.Read(ref disposed) != 0)
                {
                    connection.Dispose();
                }
                else
                {
                    idle.Push(connection);
                }
            }

            slots.Release();
        }
    }

    /// <summary>Closes the idle connections; those in use close when their operation ends. Later calls throw.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        while (idle.TryPop(out var connection))
        {
            connection.Dispose();
        }
    }

    private RedisConnection? TakeIdle()
    {
        while (idle.TryPop(out var connection))
        {
            if (connection.LooksAlive())
            {
                return connection;
            }

            connection.Dispose();
        }

        return null;
    }

    private async Task<RedisConnection> OpenAsync(string operation, CancellationToken cancellationToken)
    {
        using var connectTimeout = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimeout.Token);
        RedisConnection connection;
        try
        {
            connection = await RedisConnection.OpenAsync(options, validator, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Fail(new RedisException($"Could not connect to Redis at {options.Endpoint} within {options.ConnectTimeout} ({operation})."));
        }
        catch (RedisException ex)
        {
            throw Fail(ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException or System.Security.Authentication.AuthenticationException)
        {
            throw Fail(new RedisException($"Could not connect to Redis at {options.Endpoint} ({operation}): {ex.Message}", ex));
        }

        RedisKeyValueLog.Connected(logger, options.Endpoint, options.UseTls);
        return connection;
    }

    /// <summary>Logs the first failure after a success (not every failed request while Redis stays down).</summary>
    private RedisException Fail(RedisException exception)
    {
        if (Interlocked.Exchange(ref reachable, 0) == 1)
        {
            RedisKeyValueLog.Unavailable(logger, options.Endpoint, exception.Message);
        }

        return exception;
    }
}
