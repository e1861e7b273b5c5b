using System.Collections.ObjectModel;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Edge.Functions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Bindings.S3;

/// <summary>An <see cref="IObjectBucket"/> in Amazon S3 or an S3-compatible store, shared by every host that names it.</summary>
/// <remarks>
/// <para>
/// Each key is stored as <c>PREFIX/KEY</c> in the S3 bucket. Writes are atomic as S3 makes them: one PUT for an object
/// up to <see cref="BucketOptions.PartSize"/>, a multipart upload above it (parts sent while the next one fills, the
/// upload aborted when the write is abandoned or fails), so an object is visible whole or not at all.
/// </para>
/// <para>
/// Listings come from ListObjectsV2, which gives keys, sizes and modification times but not content types or custom
/// metadata: listed entries have neither (<see cref="HeadAsync"/> has both). S3 stores custom metadata names in lower
/// case and only US-ASCII values, and reports its default content type for objects written without one.
/// </para>
/// <para>
/// Store failures surface as <see cref="IOException"/> naming the bucket, the operation and S3's error code, as a
/// disk's failures would; a missing object is null, never an exception.
/// </para>
/// </remarks>
internal sealed class S3ObjectBucket : IObjectBucket, IDisposable
{
    private const string MetadataHeaderPrefix = "x-amz-meta-";

    private readonly IAmazonS3 client;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly string s3Bucket;
    private readonly string keyPrefix;

    public S3ObjectBucket(string name, BucketOptions options, IAmazonS3 client, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BucketName, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartSize, BucketOptions.MinPartSize, nameof(options));

        Name = name;
        this.client = client;
        this.timeProvider = timeProvider;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        s3Bucket = options.BucketName;
        keyPrefix = options.Prefix is { Length: > 0 } prefix ? prefix.Trim('/') + "/" : string.Empty;
        PartSize = options.PartSize;
    }

    /// <summary>The bucket's name in Edge's configuration (in errors and logs).</summary>
    public string Name { get; }

    /// <summary>Bytes per multipart part; the largest object sent with a single PUT.</summary>
    public int PartSize { get; }

    internal IAmazonS3 Client => client;

    internal string S3Bucket => s3Bucket;

    internal ILogger Logger => logger;

    internal TimeProvider Time => timeProvider;

    /// <summary>Entries per ListObjectsV2 page (S3's maximum, 1000, unless a test lowers it).</summary>
    internal int ListPageSize { get; init; } = 1000;

    public async ValueTask<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        try
        {
            var response = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = s3Bucket, Key = StoreKey(key) }, cancellationToken);
            return new ObjectInfo(key, response.ContentLength, response.Headers.ContentType, LastModified(response.LastModified), ReadMetadata(response.Metadata));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("HEAD", key, ex);
        }
    }

    public async ValueTask<ObjectBody?> GetAsync(string key, Edge.Functions.ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        var request = new GetObjectRequest { BucketName = s3Bucket, Key = StoreKey(key) };
        if (range is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested.Offset, nameof(range));
            if (requested.Length is { } requestedLength)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestedLength, nameof(range));
            }

            request.ByteRange = requested.Length is { } length && length <= long.MaxValue - requested.Offset
                ? new Amazon.S3.Model.ByteRange(requested.Offset, requested.Offset + length - 1)
                : new Amazon.S3.Model.ByteRange(string.Create(CultureInfo.InvariantCulture, $"bytes={requested.Offset}-"));
        }

        GetObjectResponse response;
        try
        {
            response = await client.GetObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The range starts at or past the end; the object's size is what the caller needs to say so.
            return await HeadAsync(key, cancellationToken) is { } existing
                ? throw new RangeNotSatisfiableException(existing.Size)
                : null;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("GET", key, ex);
        }

        try
        {
            var info = new ObjectInfo(key, 0, response.Headers.ContentType, LastModified(response.LastModified), ReadMetadata(response.Metadata));
            long offset = 0;
            var length = response.ContentLength;
            long size;
            if (response.ContentRange is { } contentRange && ContentRangeHeader.TryParse(contentRange, out var first, out var total))
            {
                offset = first;
                size = total;
                if (range is { } r)
                {
                    if (r.Offset >= size)
                    {
                        throw new RangeNotSatisfiableException(size);
                    }

                    // Some stores answer "bytes=0-0" with more than asked; the body hands out only what was asked.
                    length = Math.Min(length, r.Length ?? long.MaxValue);
                }
            }
            else
            {
                // A whole-object answer: to a request without a range, or from a store that ignored it.
                size = length;
                if (range is { } r)
                {
                    if (r.Offset >= size)
                    {
                        throw new RangeNotSatisfiableException(size);
                    }

                    offset = r.Offset;
                    length = Math.Min(r.Length ?? long.MaxValue, size - offset);
                    await SkipAsync(response.ResponseStream, offset, cancellationToken);
                }
            }

            var body = new ObjectBody(info with { Size = size }, new ReadOnlySubStream(response.ResponseStream, length, failIfShort: true, owner: response), offset, length);
            response = null!;
            return body;
        }
        finally
        {
            response?.Dispose();
        }
    }

    public ValueTask<IObjectUpload> BeginPutAsync(string key, ObjectPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        var metadata = ValidateMetadata(options);
        IObjectUpload upload = new S3ObjectUpload(this, key, StoreKey(key), options?.ContentType, metadata);
        return ValueTask.FromResult(upload);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // S3 answers a DELETE the same whether the key existed or not; the HEAD before it tells which.
        var existed = await HeadAsync(key, cancellationToken) is not null;
        try
        {
            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = s3Bucket, Key = StoreKey(key) }, cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("DELETE", key, ex);
        }

        return existed;
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var request = new ListObjectsV2Request { BucketName = s3Bucket, Prefix = keyPrefix + prefix, MaxKeys = ListPageSize };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await client.ListObjectsV2Async(request, cancellationToken);
            }
            catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
            {
                throw Failure("LIST", prefix, ex);
            }

            foreach (var entry in page.S3Objects ?? [])
            {
                var key = entry.Key.Substring(keyPrefix.Length);
                if (ObjectKeys.IsValid(key))
                {
                    // Objects another program put under the prefix with keys this API cannot name are left out.
                    yield return new ObjectInfo(key, entry.Size ?? 0, null, LastModified(entry.LastModified), ReadOnlyDictionary<string, string>.Empty);
                }
            }

            if (page.IsTruncated != true)
            {
                yield break;
            }

            if (string.IsNullOrEmpty(page.NextContinuationToken) || page.NextContinuationToken == request.ContinuationToken)
            {
                // A store that says "more" without a new place to continue would loop forever.
                throw new IOException($"S3 bucket '{Name}': LIST '{prefix}' returned a truncated page without a new continuation token.");
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public void Dispose() => client.Dispose();

    internal string StoreKey(string key) => keyPrefix + key;

    internal static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    internal IOException Failure(string operation, string key, Exception ex)
    {
        var what = ex switch
        {
            AmazonServiceException service => $"{(int)service.StatusCode} {service.ErrorCode}: {service.Message}",
            OperationCanceledException => $"no answer within the timeout",
            _ => ex.Message,
        };
        return new IOException($"S3 bucket '{Name}' ({s3Bucket}): {operation} '{key}' failed: {what}", ex);
    }

    private static DateTimeOffset LastModified(DateTime? value) =>
        value is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;

    private static ReadOnlyDictionary<string, string> ReadMetadata(MetadataCollection metadata)
    {
        if (metadata.Count == 0)
        {
            return ReadOnlyDictionary<string, string>.Empty;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in metadata.Keys)
        {
            var shortName = name.StartsWith(MetadataHeaderPrefix, StringComparison.OrdinalIgnoreCase) ? name[MetadataHeaderPrefix.Length..] : name;
            result[shortName] = metadata[name];
        }

        return result.AsReadOnly();
    }

    private static Dictionary<string, string>? ValidateMetadata(ObjectPutOptions? options)
    {
        var metadata = options?.Metadata;
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var total = 0;
        foreach (var (name, value) in metadata)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new ArgumentException($"The metadata name '{name}' is not stored by S3; names use A-Z, a-z, 0-9, '-' and '_'.", nameof(options));
            }

            if (!value.All(c => c is >= ' ' and <= '~'))
            {
                throw new ArgumentException($"The metadata value of '{name}' has characters S3 does not store; values are printable US-ASCII.", nameof(options));
            }

            if (!copy.TryAdd(name.ToLowerInvariant(), value))
            {
                throw new ArgumentException($"The metadata names '{name}' and another differ only in case; S3 stores names in lower case.", nameof(options));
            }

            total += name.Length + value.Length;
        }

        // S3's limit on user-defined metadata: 2 KB of names and values.
        if (total > 2048)
        {
            throw new ArgumentException($"The metadata takes {total} bytes; S3 stores at most 2048.", nameof(options));
        }

        return copy;
    }

    private static async ValueTask SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(count, 64 * 1024)];
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new IOException("The S3 object ended before the requested range.");
            }

            count -= read;
        }
    }
}
