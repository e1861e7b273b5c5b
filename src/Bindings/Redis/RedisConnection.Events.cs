using StackExchange.Redis;

namespace Edge.Bindings.Redis;

/// <summary>
/// The library's connection events: logged once per outage and once per recovery, and the last failed
/// connection attempt kept to say why an operation found no connection.
/// </summary>
internal sealed partial class RedisConnection
{
    private readonly Lock attemptGate = new();
    private readonly TaskCompletionSource failedAttemptReported = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionAttemptCompletedEventArgs? lastAttempt;
    private string? lastTlsRejection;

    /// <summary>1 while the interactive connection is up (as far as the events tell), 0 after a failure.</summary>
    private int reachable = 1;

    private void OnConnectionAttemptCompleted(object? sender, ConnectionAttemptCompletedEventArgs e)
    {
        // An attempt the library abandons to try again says nothing about the server.
        if (e.FailureType == ConnectionFailureType.ConnectionDisposed)
        {
            return;
        }

        // Handlers run on worker threads, possibly out of order: the sequence number says which is newer.
        lock (attemptGate)
        {
            if (lastAttempt is null || e.SequenceNumber > lastAttempt.SequenceNumber)
            {
                lastAttempt = e;
            }
        }

        if (!e.IsSuccess)
        {
            failedAttemptReported.TrySetResult();
        }
    }

    /// <summary>
    /// Waits for the report of a failed attempt, which the library raises on a worker thread and so possibly after
    /// the opening it failed has returned: the first operation's error then says why. Bounded by the connect
    /// timeout for the one case without such a report, a Sentinel that knows no primary of the service.
    /// </summary>
    private async Task FailedAttemptReportedAsync() =>
        await failedAttemptReported.Task.WaitAsync(options.ConnectTimeout, time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

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
            return CredentialsRefused(attempt.EndPoint);
        }

        return Reason(attempt.FailureType, attempt.Exception);
    }

    /// <summary>
    /// Which credentials <paramref name="endpoint"/> (a Sentinel, or else Redis) refused, naming the settings to
    /// check. The library reports the reply to its handshake's ECHO (NOAUTH) rather than AUTH's own (WRONGPASS),
    /// so a wrong password and a missing one are told apart by what was sent.
    /// </summary>
    private string CredentialsRefused(System.Net.EndPoint? endpoint)
    {
        if (options.ServiceName is not null && endpoint is not null && options.Hosts.Any(sentinel => Matches(sentinel, endpoint)))
        {
            return options.SentinelPassword is null && options.Password is null
                ? $"the Sentinel at {Describe(endpoint)} requires a password; set Edge:KeyValue:SentinelPassword"
                : $"the Sentinel at {Describe(endpoint)} refused the password; check Edge:KeyValue:SentinelPassword (without it, the Sentinels get Edge:KeyValue:Password)";
        }

        return options.Password is null
            ? "Redis requires a password (NOAUTH); set Edge:KeyValue:Password"
            : $"Redis refused the credentials of user '{options.Username ?? "default"}'; check Edge:KeyValue:Username and Password";
    }

    private static bool Matches(RedisHost host, System.Net.EndPoint endpoint) => endpoint switch
    {
        System.Net.IPEndPoint ip => ip.Port == host.Port && System.Net.IPAddress.TryParse(host.Host, out var address) && address.Equals(ip.Address),
        System.Net.DnsEndPoint dns => dns.Port == host.Port && string.Equals(dns.Host, host.Host, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// The failure type and, when there is one, the innermost cause outside the library (such as
    /// <c>Connection refused</c>) or the library's own word on the Sentinels: its other messages carry connection
    /// diagnostics, not reasons.
    /// </summary>
    private static string Reason(ConnectionFailureType type, Exception? exception)
    {
        var cause = Cause(exception);
        return cause is null ? type.ToString() : $"{type}, {WithoutArguments(cause.Message)}";
    }

    private static Exception? Cause(Exception? exception)
    {
        switch (exception)
        {
            case null:
                return null;
            case AggregateException aggregate:
                return aggregate.InnerExceptions.Select(Cause).FirstOrDefault(cause => cause is not null);
            case StackExchange.Redis.RedisException or RedisTimeoutException:
                return Cause(exception.InnerException)
                    ?? (exception.Message.StartsWith("Sentinel: ", StringComparison.Ordinal) ? exception : null);
            default:
                return Cause(exception.InnerException) ?? exception;
        }
    }

    private static string Describe(System.Net.EndPoint? endpoint) =>
        endpoint is null ? "(unknown)" : EndPointCollection.ToString(endpoint);
}
