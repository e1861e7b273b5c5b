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
            return S3Client.Validate(name, options);
        }

        return IsType(options, "disk")
            ? []
            : [$"Edge:Buckets:{name}:Type '{options.Type}' is not supported; supported: disk, s3."];
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

        return new DiskObjectBucket(
            new DiskBucketOptions { RootPath = options.Path ?? Path.Combine(Path.GetFullPath(dataDirectory), "buckets", name) },
            time,
            loggerFactory.CreateLogger<DiskObjectBucket>());
    }

    private static bool IsType(BucketOptions options, string type) => string.Equals(options.Type, type, StringComparison.OrdinalIgnoreCase);
}
