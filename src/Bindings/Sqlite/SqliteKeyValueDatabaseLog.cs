using Microsoft.Extensions.Logging;

namespace Edge.Bindings.Sqlite;

/// <summary>Source-generated log messages of <see cref="SqliteKeyValueDatabase"/>.</summary>
internal static partial class SqliteKeyValueDatabaseLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Purged {Count} expired key-value rows")]
    public static partial void Purged(ILogger logger, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Purging expired key-value rows failed; retrying at the next interval")]
    public static partial void PurgeFailed(ILogger logger, Exception exception);
}
