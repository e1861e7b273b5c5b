using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Bindings.Sqlite;

/// <summary>
/// One SQLite file holding every key-value namespace of the host; hands out a
/// <see cref="SqliteKeyValueStore"/> per namespace.
/// </summary>
/// <remarks>
/// Schema: <c>kv(namespace TEXT, key TEXT, value BLOB, expires_at INTEGER NULL)</c>, primary key
/// (namespace, key), <c>expires_at</c> in Unix milliseconds. The file is in WAL mode so readers never wait for
/// the writer. Every operation opens a pooled connection of its own, which makes the stores thread-safe
/// without locks of ours. Keys compare as UTF-8 bytes (code point order).
/// </remarks>
internal sealed class SqliteKeyValueDatabase : IKeyValueDatabase
{
    private readonly ConcurrentDictionary<string, SqliteKeyValueStore> stores = new(StringComparer.Ordinal);
    private readonly ILogger logger;
    private readonly string connectionString;
    private readonly string pragmas;
    private readonly long purgeIntervalMs;
    private long nextPurgeAtMs;

    public SqliteKeyValueDatabase(SqliteKeyValueOptions options, TimeProvider timeProvider, ILogger<SqliteKeyValueDatabase>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DatabasePath, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BusyTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PurgeInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PurgeBatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ListPageSize, nameof(options));

        Options = options;
        TimeProvider = timeProvider;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        purgeIntervalMs = (long)options.PurgeInterval.TotalMilliseconds;
        DatabasePath = Path.GetFullPath(options.DatabasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);

        SqliteNative.EnsureInitialized();
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite also retries busy statements until the command timeout; keep both aligned.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();

        // Per-connection settings, re-applied on every open because pooled connections may be new ones.
        // synchronous=NORMAL is durable against process crashes in WAL mode and avoids an fsync per write.
        pragmas = $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;";

        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS kv (
                namespace TEXT NOT NULL,
                key TEXT NOT NULL,
                value BLOB NOT NULL,
                expires_at INTEGER NULL,
                PRIMARY KEY (namespace, key));
            CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>The SQLite file, absolute.</summary>
    public string DatabasePath { get; }

    internal SqliteKeyValueOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    /// <summary>The store of <paramref name="namespace"/>; the same instance for the same name.</summary>
    public SqliteKeyValueStore GetStore(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        return stores.GetOrAdd(@namespace, static (name, database) => new SqliteKeyValueStore(database, name), this);
    }

    Edge.Functions.IKeyValueStore IKeyValueDatabase.GetStore(string @namespace) => GetStore(@namespace);

    /// <summary>Releases the pooled connections, closing the file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    internal SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal long NowUnixMilliseconds() => TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Deletes a bounded batch of expired rows when the purge interval has passed; called after writes so an
    /// idle host does no work. Failures are logged, never thrown: the write that triggered it succeeded.
    /// </summary>
    internal void PurgeExpiredIfDue(SqliteConnection connection, long nowMs)
    {
        var due = Volatile.Read(ref nextPurgeAtMs);
        if (nowMs < due || Interlocked.CompareExchange(ref nextPurgeAtMs, nowMs + purgeIntervalMs, due) != due)
        {
            return;
        }

        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                DELETE FROM kv WHERE rowid IN (
                    SELECT rowid FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $now LIMIT $batch)
                """;
            command.Parameters.AddWithValue("$now", nowMs);
            command.Parameters.AddWithValue("$batch", Options.PurgeBatchSize);
            var purged = command.ExecuteNonQuery();
            if (purged > 0)
            {
                SqliteKeyValueDatabaseLog.Purged(logger, purged);
            }
        }
        catch (SqliteException ex)
        {
            SqliteKeyValueDatabaseLog.PurgeFailed(logger, ex);
        }
    }
}
