using System.Collections.Concurrent;
using Edge.Bindings;
using Edge.Functions;
using Edge.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// Owns the storage behind bindings: one instance per bucket name and one key-value database shared by
/// every namespace (SQLite or Redis, <see cref="KeyValueDatabases"/>), created on first use and disposed with the host.
/// </summary>
internal sealed class BindingProvider(EdgeOptions options, TimeProvider time, ILoggerFactory loggerFactory) : IDisposable
{
    /// <summary>The bucket every installation has, even with no configuration: the registry cache.</summary>
    public const string DefaultBucket = "cache";

    private readonly ConcurrentDictionary<string, IObjectBucket> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<IKeyValueDatabase> _database = new(() => KeyValueDatabases.Create(options.KeyValue, options.DataDirectory, time, loggerFactory));

    public static IEnumerable<string> Validate(EdgeOptions options)
    {
        foreach (var (name, bucket) in options.Buckets)
        {
            foreach (var problem in ObjectBuckets.Validate(name, bucket))
            {
                yield return problem;
            }
        }

        foreach (var error in KeyValueDatabases.Validate(options.KeyValue))
        {
            yield return error;
        }
    }

    public bool TryGetBucket(string name, out IObjectBucket? bucket, out string? error)
    {
        error = null;
        if (!options.Buckets.TryGetValue(name, out var bucketOptions))
        {
            if (!string.Equals(name, DefaultBucket, StringComparison.OrdinalIgnoreCase))
            {
                bucket = null;
                error = $"no bucket named '{name}' is configured under Edge:Buckets.";
                return false;
            }

            bucketOptions = new BucketOptions();
        }

        bucket = _buckets.GetOrAdd(name, n => Create(n, bucketOptions));
        return true;
    }

    private IObjectBucket Create(string name, BucketOptions bucketOptions) =>
        ObjectBuckets.Create(name, bucketOptions, options.DataDirectory, time, loggerFactory);

    public IKeyValueStore GetKeyValue(string ns) => _database.Value.GetStore(ns);

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            (bucket as IDisposable)?.Dispose();
        }

        if (_database.IsValueCreated)
        {
            _database.Value.Dispose();
        }
    }
}
