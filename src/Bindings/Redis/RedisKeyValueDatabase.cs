using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Edge.Functions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Bindings.Redis;

/// <summary>
/// A Redis server (or the primary a Sentinel names) holding every key-value namespace of the host (and of other
/// hosts sharing it); hands out a <see cref="RedisKeyValueStore"/> per namespace over one multiplexed
/// <see cref="RedisConnection"/>.
/// </summary>
/// <remarks>
/// Layout, with <c>P</c> the key prefix (written right before the rest, such as <c>edge:kv:8:registry:tag/…</c>) and <c>N</c> the namespace's length in UTF-8 bytes (so no namespace's
/// keys can be read as another's, whatever characters the names hold):
/// <list type="bullet">
/// <item><c>Pkv:N:namespace:key</c>: a string, the value, with the key's TTL as its Redis expiry.</item>
/// <item><c>Pkx:N:namespace</c>: a sorted set, every score 0, of the namespace's keys: the listing index,
/// read in byte order with ZRANGEBYLEX. Entries whose value expired are removed when a listing or a sweep meets them.</item>
/// </list>
/// Plain Redis (standalone, with replicas, or under Sentinel), not Redis Cluster: a put and a listing touch two keys
/// atomically. The commands used are GET, SET/SETEX/PSETEX, UNLINK, ZADD, ZREM, MULTI/EXEC, and EVALSHA (listing
/// and sweeping; the script is loaded once with SCRIPT LOAD, and again by the library when a restarted server has
/// forgotten it).
/// The connection opens on first use, so a host starts even while Redis is down; operations then fail until it is back.
/// </remarks>
internal sealed class RedisKeyValueDatabase : IKeyValueDatabase
{
    private readonly ConcurrentDictionary<string, RedisKeyValueStore> stores = new(StringComparer.Ordinal);

    public RedisKeyValueDatabase(RedisKeyValueOptions options, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ListPageSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PurgeBatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PurgeInterval, TimeSpan.Zero, nameof(options));
        Options = options;
        TimeProvider = timeProvider;
        Logger = logger ?? (ILogger)NullLogger.Instance;
        Connection = new RedisConnection(options, timeProvider, Logger);
    }

    internal RedisKeyValueOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    internal RedisConnection Connection { get; }

    /// <summary>The store of <paramref name="namespace"/>; the same instance for the same name.</summary>
    public RedisKeyValueStore GetStore(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        KeyValueKeys.ValidatePrefix(@namespace, nameof(@namespace));
        return stores.GetOrAdd(@namespace, static (name, database) => new RedisKeyValueStore(database, name), this);
    }

    IKeyValueStore IKeyValueDatabase.GetStore(string @namespace) => GetStore(@namespace);

    /// <summary>Closes the connection.</summary>
    public void Dispose() => Connection.Dispose();

    /// <summary>The start of the Redis key of every value in <paramref name="namespace"/>: the key itself follows.</summary>
    internal byte[] ValueKeyPrefix(string @namespace) => Encoding.UTF8.GetBytes(Options.KeyPrefix + "kv:" + Qualified(@namespace) + ":");

    /// <summary>The Redis key of the listing index of <paramref name="namespace"/>.</summary>
    internal byte[] IndexKey(string @namespace) => Encoding.UTF8.GetBytes(Options.KeyPrefix + "kx:" + Qualified(@namespace));

    private static string Qualified(string @namespace) =>
        string.Create(CultureInfo.InvariantCulture, $"{Encoding.UTF8.GetByteCount(@namespace)}:{@namespace}");
}
