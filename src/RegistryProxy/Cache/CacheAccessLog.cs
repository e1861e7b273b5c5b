using System.Collections.Concurrent;
using System.Globalization;
using Edge.Functions;

namespace Edge.RegistryProxy.Cache;

/// <summary>
/// When each cached object (bucket key) was last used, in memory: a cache hit or a commit costs one dictionary
/// write, never a storage write. <see cref="PersistAsync"/> copies what changed to the key-value store
/// (<c>access/&lt;bucket key&gt;</c> → unix ms) during sweeps, so recency survives a restart.
/// </summary>
internal sealed class CacheAccessLog(TimeProvider time, bool enabled)
{
    /// <summary>Prefix of the durable records in the key-value store.</summary>
    public const string RecordPrefix = "access/";

    /// <summary>At most this many records are written per persist; the rest wait for the next one.</summary>
    public const int MaxWritesPerPersist = 10_000;

    private readonly ConcurrentDictionary<string, long> _lastAccess = new(StringComparer.Ordinal);

    // Entries touched at or after this instant (unix ms) have not been persisted yet.
    private long _persistedBefore = long.MinValue;

    /// <summary>Whether accesses are recorded (only when a cache size limit is set).</summary>
    public bool Enabled => enabled;

    public int Count => _lastAccess.Count;

    public static string RecordKey(string objectKey) => RecordPrefix + objectKey;

    /// <summary>Records that <paramref name="objectKey"/> was just served or committed.</summary>
    public void Touch(string objectKey)
    {
        if (enabled)
        {
            _lastAccess[objectKey] = time.GetUtcNow().ToUnixTimeMilliseconds();
        }
    }

    /// <summary>The last access (unix ms) known in memory, if any.</summary>
    public long? LastAccess(string objectKey) => _lastAccess.TryGetValue(objectKey, out var ms) ? ms : null;

    /// <summary>Adds a persisted access time unless a newer one is known in memory; it is not persisted again.</summary>
    public void Restore(string objectKey, long unixMs) =>
        _lastAccess.AddOrUpdate(objectKey, unixMs, (_, current) => Math.Max(current, unixMs));

    /// <summary>Forgets an object (evicted or gone).</summary>
    public void Forget(string objectKey) => _lastAccess.TryRemove(objectKey, out _);

    /// <summary>Keys known in memory, for pruning entries of objects that left the bucket.</summary>
    public IEnumerable<KeyValuePair<string, long>> Entries => _lastAccess;

    /// <summary>
    /// Writes the entries touched since the last persist (at most <see cref="MaxWritesPerPersist"/>). Returns how
    /// many were written.
    /// </summary>
    public async Task<int> PersistAsync(IKeyValueStore store, CancellationToken cancellationToken)
    {
        var mark = time.GetUtcNow().ToUnixTimeMilliseconds();
        var since = Interlocked.Read(ref _persistedBefore);
        var written = 0;
        foreach (var (key, ms) in _lastAccess)
        {
            if (ms < since)
            {
                continue;
            }

            if (written == MaxWritesPerPersist)
            {
                // Leave the mark where it was: the rest are written next time (some twice, which is harmless).
                return written;
            }

            await store.PutStringAsync(RecordKey(key), ms.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
            written++;
        }

        // Touches from now on (ms >= mark) are written next time; those racing with this loop may be written twice.
        Interlocked.Exchange(ref _persistedBefore, mark);
        return written;
    }

    /// <summary>Reads a persisted record's access time, or null when absent or unreadable.</summary>
    public static async Task<long?> ReadRecordAsync(IKeyValueStore store, string objectKey, CancellationToken cancellationToken) =>
        await store.GetStringAsync(RecordKey(objectKey), cancellationToken) is { } text
            && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : null;
}
