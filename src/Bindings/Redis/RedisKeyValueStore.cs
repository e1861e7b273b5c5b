using System.Runtime.CompilerServices;
using System.Text;
using Edge.Functions;
using StackExchange.Redis;

namespace Edge.Bindings.Redis;

/// <summary>
/// One namespace of a <see cref="RedisKeyValueDatabase"/>: the same contract as <see cref="Sqlite.SqliteKeyValueStore"/>,
/// shared by every host using the same Redis and key prefix. Thread-safe; obtain it from
/// <see cref="RedisKeyValueDatabase.GetStore"/>.
/// </summary>
/// <remarks>
/// A put is <c>SET</c> (<c>SETEX</c>/<c>PSETEX</c> with a TTL) plus <c>ZADD index 0 key</c> in one MULTI/EXEC; a
/// delete is <c>UNLINK</c> plus <c>ZREM</c> the same way; expiry is Redis's own, so an expired key reads as absent
/// on every host at once.
/// Listing order is Redis's lexicographic order of the index, which is UTF-8 byte (code point) order. It equals
/// .NET ordinal order except between characters above U+FFFF and those in U+E000..U+FFFF, which no protocol key
/// uses.
/// </remarks>
internal sealed class RedisKeyValueStore : IKeyValueStore
{
    /// <summary>
    /// One page of the index: the members in range, then for each whether its value still exists; members of
    /// expired values leave the index in the same atomic step, so a concurrent put cannot lose its entry.
    /// Returns the number of members scanned, the last one (empty when none: keys never are), then the live ones
    /// in order. The library sends it once (SCRIPT LOAD) and then by its SHA1 (EVALSHA).
    /// </summary>
    private const string PageScript = """
        local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
        local reply = { #members, members[#members] or '' }
        for _, member in ipairs(members) do
          if redis.call('EXISTS', ARGV[4] .. member) == 1 then
            reply[#reply + 1] = member
          else
            redis.call('ZREM', KEYS[1], member)
          end
        end
        return reply
        """;

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
        var valueKey = ValueKey(Encoding.UTF8.GetBytes(key));
        var value = await database.Connection.ExecuteAsync("GET", db => db.StringGetAsync(valueKey), cancellationToken);
        return (byte[]?)value;
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
        var valueKey = ValueKey(member);
        TimeSpan? expiry = timeToLive is { } t ? WholeMilliseconds(t) : null;
        await database.Connection.ExecuteAsync(
            "PUT",
            async db =>
            {
                var transaction = db.CreateTransaction();
                var set = transaction.StringSetAsync(valueKey, value, expiry, When.Always);
                var add = transaction.SortedSetAddAsync(indexKey, member, 0);
                await CommitAsync(transaction, set, add);
                await set;
                return await add;
            },
            cancellationToken);
        await PurgeExpiredIfDueAsync();
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValueKeys.Validate(key, nameof(key));
        var member = Encoding.UTF8.GetBytes(key);
        var valueKey = ValueKey(member);
        return await database.Connection.ExecuteAsync(
            "DELETE",
            async db =>
            {
                var transaction = db.CreateTransaction();
                var delete = transaction.KeyDeleteAsync(valueKey);
                var remove = transaction.SortedSetRemoveAsync(indexKey, member);
                await CommitAsync(transaction, delete, remove);
                await remove;

                // DEL counts only a live key: Redis drops an expired one before the command sees it.
                return await delete;
            },
            cancellationToken);
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
    /// Sends MULTI, the queued commands and EXEC. Should EXEC fail, the queued commands fail with it and nobody
    /// awaits them, so they are observed here.
    /// </summary>
    private async Task CommitAsync(ITransaction transaction, params Task[] queued)
    {
        var execute = transaction.ExecuteAsync();
        foreach (var task in queued)
        {
            RedisConnection.Observe(task);
        }

        if (!await execute)
        {
            // Only a transaction with conditions can be discarded, and these have none.
            throw new RedisException($"Redis at {database.Connection.Endpoint} discarded a transaction without conditions.");
        }
    }

    /// <summary>
    /// <paramref name="ttl"/> in whole milliseconds (Redis's unit), rounded up so a short TTL never expires early;
    /// <see cref="TimeSpan.MaxValue"/>, 9.2e14 ms, is rounded down instead, and Redis takes it.
    /// </summary>
    private static TimeSpan WholeMilliseconds(TimeSpan ttl)
    {
        var milliseconds = ttl.Ticks / TimeSpan.TicksPerMillisecond;
        if (ttl.Ticks % TimeSpan.TicksPerMillisecond != 0 && milliseconds < TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond)
        {
            milliseconds++;
        }

        return TimeSpan.FromMilliseconds(milliseconds);
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
        RedisKey[] keys = [indexKey];
        RedisValue[] arguments = [min, max, count, valueKeyPrefix];
        var reply = await database.Connection.ExecuteAsync("LIST", db => db.ScriptEvaluateAsync(PageScript, keys, arguments), cancellationToken);
        var items = reply.Resp2Type == ResultType.Array ? (RedisResult[]?)reply : null;
        if (items is null || items.Length < 2 || items[0].Resp2Type != ResultType.Integer)
        {
            throw Unexpected(reply);
        }

        var live = new List<string>(items.Length - 2);
        for (var i = 2; i < items.Length; i++)
        {
            live.Add(Encoding.UTF8.GetString((byte[]?)items[i] ?? throw Unexpected(reply)));
        }

        var last = (byte[]?)items[1];
        return ((long)items[0], last is { Length: > 0 } ? last : null, live);
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

    private RedisException Unexpected(RedisResult reply) =>
        new($"Redis at {database.Connection.Endpoint} answered LIST with an unexpected {reply.Resp2Type} reply.");

    private byte[] ValueKey(byte[] member) => [.. valueKeyPrefix, .. member];
}
