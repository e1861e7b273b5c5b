namespace Edge.Functions;

/// <summary>
/// A key-value namespace, like a Workers KV namespace: small values (metadata, indexes, leases), optional
/// expiry, eventually consistent across hosts when backed by a shared store.
/// </summary>
/// <remarks>
/// Keys are 1 to 512 bytes of UTF-8; values at most <see cref="MaxValueBytes"/>. Expired keys read as absent.
/// </remarks>
public interface IKeyValueStore
{
    /// <summary>The largest value a store accepts: 1 MiB, as Workers KV documents for metadata-sized values.</summary>
    const int MaxValueBytes = 1024 * 1024;

    /// <summary>The value stored under <paramref name="key"/>, or null when absent or expired.</summary>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/>, replacing any previous value, optionally expiring after <paramref name="timeToLive"/>.</summary>
    ValueTask PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the key. Returns whether it existed.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Keys that start with <paramref name="prefix"/>, in ordinal order, expired ones excluded.</summary>
    IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken = default);
}
