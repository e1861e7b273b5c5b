using System.Runtime.CompilerServices;
using System.Text;
using Edge.Functions;

namespace Edge.Bindings.Redis;

/// <summary>
/// One namespace of a <see cref="RedisKeyValueDatabase"/>: the same contract as <see cref="Sqlite.SqliteKeyValueStore"/>,
/// shared by every host using the same Redis and key prefix. Thread-safe; obtain it from
/// <see cref="RedisKeyValueDatabase.GetStore"/>.
/// </summary>
/// <remarks>
/// A put is <c>SET value [PX ttl]</c> plus <c>ZADD index 0 key</c> in one MULTI/EXEC; a delete is <c>DEL</c> plus
/// <c>ZREM</c> the same way; expiry is Redis's own, so an expired key reads as absent on every host at once.
/// Listing order is Redis's lexicographic order of the index, which is UTF-8 byte (code point) order. It equals
/// .NET ordinal order except between characters above U+FFFF and those in U+E000..U+FFFF, which no protocol key
/// uses.
/// </remarks>
internal sealed class RedisKeyValueStore : IKeyValueStore
{
    /// <summary>
    /// One page of the index: the members in range, then for each whether its value still exists; members of
    /// expired values leave the index in the same atomic step, so a concurrent put cannot lose its entry.
    /// Returns the number of members scanned, the last one (or nil), then the live ones in order.
    /// </summary>
    private const string PageScript = """
        local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
        local reply = { #members, members[#members] or false }
        for _, member in ipairs(members) do
          if redis.call('EXISTS', ARGV[4] .. member) == 1 then
            reply[#reply + 1] = member
          else
            redis.call('ZREM', KEYS[1], member)
          end
        end
        return reply
        """;

    private static readonly RedisCommand Multi = RedisCommand.Create("MULTI");
    private static readonly RedisCommand Exec = RedisCommand.Create("EXEC");

    private readonly RedisKeyValueDatabase database;
    private readonly byte[] valueKeyPrefix;
    private readonly byte[] indexKey;
    private long nextPurgeAtMs;
    private byte[]? purgeCursor;

    internal RedisKeyValueStore(RedisKeyValueDatabase database, string @namespace)
    {
        this.database = database;
        Namespace = @namespace;
        valueKeyPrefix = database.ValueKeyPrefix(@namespace);
        indexKey = database.IndexKey(@namespace);
    }

    /// <summary>The namespace this store reads and writes.</summary>
    public string Namespace { get; }

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValueKeys.Validate(key, nameof(key));
        var replies = await database.Pool.ExecuteAsync("GET", [RedisCommand.Create("GET", ValueKey(key))], cancellationToken);
        var reply = Check(replies[0], "GET");
        return reply.Kind switch
        {
            RespKind.Null => null,
            RespKind.BulkString => reply.Bytes,
            _ => throw Unexpected("GET", reply),
        };
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

        var member = Encoding.UTF8.GetBytes(key);
        // Round up so a short TTL never expires early. TimeSpan.MaxValue is 9.2e14 ms, which Redis accepts.
        var set = timeToLive is { } t
            ? RedisCommand.Create("SET", ValueKey(member), value, "PX", (long)Math.Ceiling(t.TotalMilliseconds))
            : RedisCommand.Create("SET", ValueKey(member), value);
        var replies = await database.Pool.ExecuteAsync("PUT", [Multi, set, RedisCommand.Create("ZADD", indexKey, 0, member), Exec], cancellationToken);
        CheckTransaction(replies, "SET", "ZADD");
        await PurgeExpiredIfDueAsync();
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValueKeys.Validate(key, nameof(key));
        var member = Encoding.UTF8.GetBytes(key);
        var replies = await database.Pool.ExecuteAsync(
            "DELETE",
            [Multi, RedisCommand.Create("DEL", ValueKey(member)), RedisCommand.Create("ZREM", indexKey, member), Exec],
            cancellationToken);
        var results = CheckTransaction(replies, "DEL", "ZREM");
        // DEL counts only a live key: Redis drops an expired one before the command sees it.
        return results[0].Integer > 0;
    }

    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KeyValueKeys.ValidatePrefix(prefix, nameof(prefix));
        var pageSize = database.Options.ListPageSize;
        var prefixBytes = Encoding.UTF8.GetBytes(prefix);
        var min = prefixBytes.Length == 0 ? "-"u8.ToArray() : [(byte)'[', .. prefixBytes];
        var max = prefixBytes.Length == 0 ? "+"u8.ToArray() : [(byte)'(', .. UpperBound(prefixBytes)];

        // Each page starts strictly after the last member scanned, so the loop ends.
        while (true)
        {
            var (scanned, last, live) = await ReadPageAsync(min, max, pageSize, cancellationToken);
            foreach (var key in live)
            {
                yield return key;
            }

            if (scanned < pageSize || last is null)
            {
                yield break;
            }

            min = [(byte)'(', .. last];
        }
    }

    /// <summary>
    /// The least byte string above every string starting with <paramref name="prefix"/>: its last byte plus one.
    /// UTF-8 never holds 0xFF, so there always is one.
    /// </summary>
    private static byte[] UpperBound(byte[] prefix)
    {
        var upper = (byte[])prefix.Clone();
        upper[^1]++;
        return upper;
    }

    private async Task<(long Scanned, byte[]? Last, List<string> Live)> ReadPageAsync(byte[] min, byte[] max, int count, CancellationToken cancellationToken)
    {
        var replies = await database.Pool.ExecuteAsync(
            "LIST",
            [RedisCommand.Create("EVAL", PageScript, 1, indexKey, min, max, count, valueKeyPrefix)],
            cancellationToken);
        var reply = Check(replies[0], "EVAL");
        if (reply.Kind != RespKind.Array || reply.Items!.Count < 2 || reply.Items[0].Kind != RespKind.Integer)
        {
            throw Unexpected("EVAL", reply);
        }

        var items = reply.Items;
        var live = new List<string>(items.Count - 2);
        for (var i = 2; i < items.Count; i++)
        {
            live.Add(Encoding.UTF8.GetString(items[i].Bytes ?? throw Unexpected("EVAL", reply)));
        }

        return (items[0].Integer, items[1].Bytes, live);
    }

    /// <summary>
    /// Once per purge interval, after a put, checks the next batch of index entries and drops those of expired
    /// keys, so indexes of keys that are never listed do not grow without end. The cursor wraps at the end of
    /// the index. Failures are logged, never thrown: the put that triggered it succeeded.
    /// </summary>
    private async Task PurgeExpiredIfDueAsync()
    {
        var now = database.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var due = Volatile.Read(ref nextPurgeAtMs);
        var next = now + (long)database.Options.PurgeInterval.TotalMilliseconds;
        if (now < due || Interlocked.CompareExchange(ref nextPurgeAtMs, next, due) != due)
        {
            return;
        }

        try
        {
            var cursor = purgeCursor;
            var min = cursor is null ? "-"u8.ToArray() : [(byte)'(', .. cursor];
            var batch = database.Options.PurgeBatchSize;
            var (scanned, last, live) = await ReadPageAsync(min, "+"u8.ToArray(), batch, CancellationToken.None);
            purgeCursor = scanned < batch ? null : last;
            var removed = (int)scanned - live.Count;
            if (removed > 0)
            {
                RedisKeyValueLog.Purged(database.Logger, removed, Namespace);
            }
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            RedisKeyValueLog.PurgeFailed(database.Logger, Namespace, ex);
        }
    }

    /// <summary>Replies of MULTI, the queued commands and EXEC; returns the results of the queued commands.</summary>
    private IReadOnlyList<RespReply> CheckTransaction(RespReply[] replies, params string[] queued)
    {
        Check(replies[0], "MULTI");
        for (var i = 0; i < queued.Length; i++)
        {
            Check(replies[i + 1], queued[i]);
        }

        var exec = Check(replies[^1], "EXEC");
        if (exec.Kind != RespKind.Array || exec.Items!.Count != queued.Length)
        {
            throw Unexpected("EXEC", exec);
        }

        for (var i = 0; i < queued.Length; i++)
        {
            Check(exec.Items[i], queued[i]);
        }

        return exec.Items;
    }

    private RespReply Check(RespReply reply, string command) =>
        reply.Kind == RespKind.Error
            ? throw new RedisException($"Redis at {database.Options.Endpoint} answered {command} with an error: {reply.Text}") { ServerError = reply.Text }
            : reply;

    private RedisException Unexpected(string command, RespReply reply) =>
        new($"Redis at {database.Options.Endpoint} answered {command} with an unexpected {reply}.");

    private byte[] ValueKey(string key) => ValueKey(Encoding.UTF8.GetBytes(key));

    private byte[] ValueKey(byte[] member) => [.. valueKeyPrefix, .. member];
}
