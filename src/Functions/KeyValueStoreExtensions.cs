using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Edge.Functions;

/// <summary>Conveniences over <see cref="IKeyValueStore"/> for text and JSON values.</summary>
public static class KeyValueStoreExtensions
{
    /// <summary>The value as UTF-8 text, or null.</summary>
    public static async ValueTask<string?> GetStringAsync(this IKeyValueStore store, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var bytes = await store.GetAsync(key, cancellationToken);
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Stores UTF-8 text.</summary>
    public static ValueTask PutStringAsync(this IKeyValueStore store, string key, string value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.PutAsync(key, Encoding.UTF8.GetBytes(value), timeToLive, cancellationToken);
    }

    /// <summary>The value deserialized from JSON, or default when absent or unreadable.</summary>
    public static async ValueTask<T?> GetJsonAsync<T>(this IKeyValueStore store, string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var bytes = await store.GetAsync(key, cancellationToken);
        if (bytes is null)
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo);
        }
        catch (JsonException)
        {
            // A value written by an older version reads as absent rather than failing the request.
            return default;
        }
    }

    /// <summary>Stores a value as JSON.</summary>
    public static ValueTask PutJsonAsync<T>(this IKeyValueStore store, string key, T value, JsonTypeInfo<T> typeInfo, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), timeToLive, cancellationToken);
    }
}
