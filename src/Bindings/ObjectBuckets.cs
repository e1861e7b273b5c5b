using Edge.Bindings.Azure;
using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Bindings;

/// <summary>The bucket kinds <c>Edge:Buckets:NAME:Type</c> selects: their validation and construction.</summary>
public static class ObjectBuckets
{
    /// <summary>Every problem of the bucket <paramref name="name"/>, each naming its key; none quotes a credential.</summary>
    public static IEnumerable<string> Validate(string name, BucketOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IsType(options, "s3"))
        {
            return [.. S3Client.Validate(name, options), .. RemoteStoreProblems(name, options)];
        }

        if (IsType(options, "azure"))
        {
            return [.. AzureClient.Validate(name, options), .. RemoteStoreProblems(name, options)];
        }

        return IsType(options, "disk")
            ? []
            : [$"Edge:Buckets:{name}:Type '{options.Type}' is not supported; supported: disk, s3, azure."];
    }

    /// <summary>
    /// The bucket <paramref name="name"/> of validated <paramref name="options"/>; a <c>disk</c> bucket without a
    /// <see cref="BucketOptions.Path"/> lives in <c>DATA/buckets/NAME</c> under <paramref name="dataDirectory"/>.
    /// Opens no connection yet. The caller owns the bucket and disposes it if it is <see cref="IDisposable"/>.
    /// </summary>
    public static IObjectBucket Create(string name, BucketOptions options, string dataDirectory, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (IsType(options, "s3"))
        {
            return new S3ObjectBucket(name, options, S3Client.Create(options), time, loggerFactory.CreateLogger<S3ObjectBucket>());
        }

        if (IsType(options, "azure"))
        {
            return new AzureObjectBucket(name, options, AzureClient.Create(options), loggerFactory.CreateLogger<AzureObjectBucket>());
        }

        return new DiskObjectBucket(
            new DiskBucketOptions { RootPath = options.Path ?? Path.Combine(Path.GetFullPath(dataDirectory), "buckets", name) },
            time,
            loggerFactory.CreateLogger<DiskObjectBucket>());
    }

    /// <summary>The keys every bucket in a remote store (<c>s3</c>, <c>azure</c>) has: its key prefix and request timeout.</summary>
    private static IEnumerable<string> RemoteStoreProblems(string name, BucketOptions options)
    {
        var at = $"Edge:Buckets:{name}";
        if (options.Prefix is { Length: > 0 } prefix && !ObjectKeys.IsValid(prefix.TrimEnd('/')))
        {
            yield return $"{at}:Prefix '{prefix}' is not a valid key prefix: segments of [A-Za-z0-9._-] separated by '/'.";
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            yield return $"{at}:Timeout must be positive.";
        }
    }

    private static bool IsType(BucketOptions options, string type) => string.Equals(options.Type, type, StringComparison.OrdinalIgnoreCase);
}
