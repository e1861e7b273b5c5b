using Microsoft.Extensions.Logging;

namespace Edge.Bindings.Redis;

/// <summary>Source-generated log messages of the Redis key-value store. None carries a credential or a value.</summary>
internal static partial class RedisKeyValueLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Connected to Redis at {Endpoint} (TLS: {Tls})")]
    public static partial void Connected(ILogger logger, string endpoint, bool tls);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Redis at {Endpoint} is unavailable; key-value operations fail until it is back: {Reason}")]
    public static partial void Unavailable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Redis at {Endpoint} is reachable again")]
    public static partial void Reconnected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Removed {Count} index entries of expired keys from namespace {Namespace}")]
    public static partial void Purged(ILogger logger, int count, string @namespace);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Sweeping the index of namespace {Namespace} failed; retrying at the next interval")]
    public static partial void PurgeFailed(ILogger logger, string @namespace, Exception exception);
}
