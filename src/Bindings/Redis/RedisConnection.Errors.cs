using StackExchange.Redis;

namespace Edge.Bindings.Redis;

/// <summary>
/// The library's exceptions turned into <see cref="RedisException"/>s whose message names the endpoint and the
/// operation and says why, and never holds a credential, a key or a value.
/// </summary>
internal sealed partial class RedisConnection
{
    private static bool IsLibraryFailure(Exception exception) =>
        exception is StackExchange.Redis.RedisException or RedisTimeoutException or RedisCommandException;

    private RedisException TimedOut(string operation) =>
        new($"Redis at {Endpoint} did not answer {operation} within {options.OperationTimeout}.");

    private RedisException Translate(Exception exception, string operation) => exception switch
    {
        RedisTimeoutException => TimedOut(operation),
        RedisServerException server => new RedisException($"Redis at {Endpoint} answered {operation} with an error: {WithoutArguments(server.Message)}", exception)
        {
            ServerError = WithoutArguments(server.Message),
        },
        RedisConnectionException connection => ConnectionFailure(connection, operation),
        _ => new RedisException($"Redis at {Endpoint} failed {operation}: {exception.Message}", exception),
    };

    /// <summary>
    /// No connection was up (the reason is the last failed attempt's, such as a refused TLS certificate or
    /// password), or the one carrying the command broke; then the command may or may not have been applied.
    /// </summary>
    private RedisException ConnectionFailure(RedisConnectionException exception, string operation)
    {
        var innermost = Innermost(exception);
        if (exception.CommandStatus == CommandStatus.Sent)
        {
            return new RedisException($"The connection to Redis at {Endpoint} failed during {operation}: {Reason(innermost.FailureType, exception).TrimEnd('.')}.", exception);
        }

        // The newest failed attempt says why no connection is up now (a refused certificate or password, or the
        // transport's reason); without one, the exception's own cause. TLS and AUTH refusals share the failure
        // type; only TLS carries the platform's AuthenticationException.
        string reason;
        if (LastFailedAttempt() is { } attempt)
        {
            reason = Describe(attempt);
        }
        else if (innermost.FailureType != ConnectionFailureType.AuthenticationFailure)
        {
            reason = Reason(innermost.FailureType, exception);
        }
        else
        {
            reason = HasInner<System.Security.Authentication.AuthenticationException>(exception)
                ? Volatile.Read(ref lastTlsRejection) ?? Reason(innermost.FailureType, exception)
                : CredentialsRefused(null);
        }

        return new RedisException($"Could not connect to Redis at {Endpoint} ({operation}): {reason.TrimEnd('.')}.", exception);
    }

    /// <summary>The error without the arguments Redis quotes of a command it does not know: they may be a key or a value.</summary>
    private static string WithoutArguments(string error)
    {
        var arguments = error.IndexOf(", with args beginning with", StringComparison.Ordinal);
        return arguments < 0 ? error : error[..arguments];
    }

    private static bool HasInner<TException>(Exception exception)
        where TException : Exception
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is TException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The innermost connection exception: the outer one only says no connection was available.</summary>
    private static RedisConnectionException Innermost(RedisConnectionException exception)
    {
        var innermost = exception;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is RedisConnectionException connection)
            {
                innermost = connection;
            }
        }

        return innermost;
    }
}
