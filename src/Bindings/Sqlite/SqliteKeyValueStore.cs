using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Edge.Functions;
using Microsoft.Data.Sqlite;

namespace Edge.Bindings.Sqlite;

/// <summary>
/// The embedded default <see cref="IKeyValueStore"/>: one namespace of a <see cref="SqliteKeyValueDatabase"/>.
/// Thread-safe; obtain it from <see cref="SqliteKeyValueDatabase.GetStore"/>.
/// </summary>
/// <remarks>
/// Listing order is the UTF-8 byte (code point) order SQLite compares text in. It equals .NET ordinal
/// order except between characters above U+FFFF and those in U+E000..U+FFFF, which no protocol key uses.
/// </remarks>
internal sealed class SqliteKeyValueStore : IKeyValueStore
{
    private const string Live = "(expires_at IS NULL OR expires_at > $now)";

    private readonly SqliteKeyValueDatabase database;

    internal SqliteKeyValueStore(SqliteKeyValueDatabase database, string @namespace)
    {
        this.database = database;
        Namespace = @namespace;
    }

    /// <summary>The namespace this store reads and writes.</summary>
    public string Namespace { get; }

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValueKeys.Validate(key, nameof(key));
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT value FROM kv WHERE namespace = $ns AND key = $key AND {Live}";
        AddCommon(command, key, database.NowUnixMilliseconds());
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<byte[]>(0) : null;
    }

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        KeyValueKeys.Validate(key, nameof(key));
        if (value.Length > IKeyValueStore.MaxValueBytes)
        {
            throw new ArgumentException($"The value is {value.Length} bytes; values are at most {IKeyValueStore.MaxValueBytes}.", nameof(value));
        }

        if (timeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl, "A time to live must be positive; delete the key to remove it now.");
        }

        var now = database.NowUnixMilliseconds();
        using var connection = database.OpenConnection();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT INTO kv (namespace, key, value, expires_at) VALUES ($ns, $key, $value, $expires)
                ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                """;
            AddCommon(command, key, now);
            command.Parameters.Add("$value", SqliteType.Blob).Value = AsArray(value);
            command.Parameters.AddWithValue("$expires", timeToLive is { } t ? ExpiresAt(now, t) : DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        database.PurgeExpiredIfDue(connection, now);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValueKeys.Validate(key, nameof(key));
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        // The row goes either way (an expired row is garbage); the answer reports only a live one.
        command.CommandText = $"DELETE FROM kv WHERE namespace = $ns AND key = $key RETURNING {Live}";
        AddCommon(command, key, database.NowUnixMilliseconds());
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && reader.GetBoolean(0);
    }

    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KeyValueKeys.ValidatePrefix(prefix, nameof(prefix));
        var upper = KeyValueKeys.PrefixUpperBound(prefix);
        var pageSize = database.Options.ListPageSize;
        var now = database.NowUnixMilliseconds();
        var page = new List<string>(pageSize);
        string? after = null;

        // Keyset pagination: each page starts strictly after the last key seen, so the loop ends.
        while (true)
        {
            page.Clear();
            using (var connection = database.OpenConnection())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"""
                    SELECT key FROM kv
                    WHERE namespace = $ns AND key >= $prefix
                      {(upper is null ? string.Empty : "AND key < $upper")}
                      {(after is null ? string.Empty : "AND key > $after")}
                      AND {Live}
                    ORDER BY key LIMIT $limit
                    """;
                command.Parameters.AddWithValue("$ns", Namespace);
                command.Parameters.AddWithValue("$prefix", prefix);
                command.Parameters.AddWithValue("$now", now);
                command.Parameters.AddWithValue("$limit", pageSize);
                if (upper is not null)
                {
                    command.Parameters.AddWithValue("$upper", upper);
                }

                if (after is not null)
                {
                    command.Parameters.AddWithValue("$after", after);
                }

                using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add(reader.GetString(0));
                }
            }

            foreach (var key in page)
            {
                yield return key;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    private static long ExpiresAt(long nowMs, TimeSpan timeToLive)
    {
        // Round up so a short TTL never expires early; saturate so TimeSpan.MaxValue means "practically never".
        var ttlMs = Math.Ceiling(timeToLive.TotalMilliseconds);
        return ttlMs >= long.MaxValue - nowMs ? long.MaxValue : nowMs + (long)ttlMs;
    }

    private static byte[] AsArray(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetArray(value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();

    private void AddCommon(SqliteCommand command, string key, long now)
    {
        command.Parameters.AddWithValue("$ns", Namespace);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", now);
    }
}
