using StackExchange.Redis;

namespace Edge.Bindings.Redis;

/// <summary>
/// The library's connection events: logged once per outage and once per recovery, and the last failed
/// connection attempt kept to say why an operation found no connection.
/// </summary>
internal sealed partial class RedisConnection
{
    private readonly Lock attemptGate = new();
    private ConnectionAttemptCompletedEventArgs? lastAttempt;
    private string? lastTlsRejection;

    /// <summary>1 while the interactive connection is up (as far as the events tell), 0 after a failure.</summary>
    private int reachable = 1;

    private void OnConnectionAttemptCompleted(object? sender, ConnectionAttemptCompletedEventArgs e)
    {
        // Handlers run on worker threads, possibly out of order: the sequence number says which is newer.
        lock (attemptGate)
        {
            if (lastAttempt is null || e.SequenceNumber > lastAttempt.SequenceNumber)
            {
                lastAttempt = e;
            }
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            ReportUnavailable(Describe(e.EndPoint), Reason(e.FailureType, e.Exception));
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref reachable, 1) == 0)
        {
            RedisKeyValueLog.Reconnected(logger, Describe(e.EndPoint));
        }
    }

    /// <summary>Logs the first failure after a success, not every one while Redis stays down.</summary>
    private void ReportUnavailable(string endpoint, string reason)
    {
        if (Interlocked.Exchange(ref reachable, 0) == 1)
        {
            RedisKeyValueLog.Unavailable(logger, endpoint, reason);
        }
    }

    /// <summary>The newest connection attempt if it failed, else null.</summary>
    private ConnectionAttemptCompletedEventArgs? LastFailedAttempt()
    {
        lock (attemptGate)
        {
            return lastAttempt is { IsSuccess: false } ? lastAttempt : null;
        }
    }

    /// <summary>Why the newest connection attempt failed, or null if it did not.</summary>
    private string? DescribeLastAttempt() => LastFailedAttempt() is { } attempt ? Describe(attempt) : null;

    /// <summary>Why <paramref name="attempt"/> failed: a refused certificate or credentials, or the transport's reason.</summary>
    private string Describe(ConnectionAttemptCompletedEventArgs attempt)
    {
        if (attempt.Stage == ConnectionAttemptStage.Tls && Volatile.Read(ref lastTlsRejection) is { } rejection)
        {
            return rejection;
        }

        if (attempt is { Stage: ConnectionAttemptStage.Handshake, FailureType: ConnectionFailureType.AuthenticationFailure })
        {
            return options.Password is null
                ? "it requires a password (NOAUTH); set Edge:KeyValue:Password"
                : $"it refused the credentials of user '{options.Username ?? "default"}'; check Edge:KeyValue:Username and Password";
        }

        return Reason(attempt.FailureType, attempt.Exception);
    }

    /// <summary>
    /// The failure type and, when there is one, the innermost cause outside the library (such as
    /// <c>Connection refused</c>): the library's own messages carry connection diagnostics, not reasons.
    /// </summary>
    private static string Reason(ConnectionFailureType type, Exception? exception)
    {
        Exception? cause = null;
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is not StackExchange.Redis.RedisException and not RedisTimeoutException)
            {
                cause = inner;
            }
        }

        return cause is null ? type.ToString() : $"{type}, {cause.Message}";
    }

    private static string Describe(System.Net.EndPoint? endpoint) =>
        endpoint is null ? "(unknown)" : EndPointCollection.ToString(endpoint);
}
