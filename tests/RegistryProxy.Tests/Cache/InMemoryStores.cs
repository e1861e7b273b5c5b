using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Edge.Functions;

namespace Edge.RegistryProxy.Tests.Cache;

/// <summary>A bucket of sizes and timestamps only: enough for the sweeper, which lists and deletes.</summary>
internal sealed class InMemoryBucket : IObjectBucket
{
    private readonly ConcurrentDictionary<string, ObjectInfo> _objects = new(StringComparer.Ordinal);

    public List<string> Deleted { get; } = [];

    public void Add(string key, long size, DateTimeOffset lastModified) =>
        _objects[key] = new ObjectInfo(key, size, "application/octet-stream", lastModified, new Dictionary<string, string>());

    public bool Contains(string key) => _objects.ContainsKey(key);

    public long TotalSize => _objects.Values.Sum(o => o.Size);

    public ValueTask<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_objects.TryGetValue(key, out var info) ? info : null);

    public ValueTask<ObjectBody?> GetAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<IObjectUpload> BeginPutAsync(string key, ObjectPutOptions? options = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IObjectUpload>(new NeverCommittedUpload(key));

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Deleted.Add(key);
        return ValueTask.FromResult(_objects.TryRemove(key, out _));
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var info in _objects.Values.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            yield return info;
        }
    }

    private sealed class NeverCommittedUpload(string key) : IObjectUpload
    {
        public string Key => key;

        public Stream Content { get; } = new MemoryStream();

        public ValueTask<ObjectInfo> CommitAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Stream? OpenConcurrentReader() => new MemoryStream();

        public ValueTask DisposeAsync() => Content.DisposeAsync();
    }
}

/// <summary>A key-value store in a dictionary, without expiry (the sweeper uses none), counting writes.</summary>
internal sealed class InMemoryKeyValueStore : IKeyValueStore
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    public int Puts { get; private set; }

    public IReadOnlyCollection<string> Keys => [.. _values.Keys];

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_values.TryGetValue(key, out var value) ? value : null);

    public ValueTask PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        Puts++;
        _values[key] = value.ToArray();
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_values.TryRemove(key, out _));

    public async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var key in _values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            yield return key;
        }
    }
}
