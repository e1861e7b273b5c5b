using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Edge.Functions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Bindings.Azure;

/// <summary>An <see cref="IObjectBucket"/> in an Azure Blob storage container, shared by every host that names it.</summary>
/// <remarks>
/// <para>
/// Each key is stored as the block blob <c>PREFIX/KEY</c> in the container. Writes are atomic as Azure makes them: one
/// Put Blob for an object up to <see cref="BucketOptions.BlockSize"/>, above it staged blocks (each sent while the next
/// one fills) committed with one Put Block List, so an object is visible whole or not at all. Blocks staged by an
/// abandoned or failed upload are never committed and never visible; the service discards them (when the blob is next
/// committed, or after a week), as Azure has no call to drop them sooner.
/// </para>
/// <para>
/// A commit discards the blob's uncommitted blocks, including those another writer is staging for the same key; that
/// writer's commit then fails with <c>InvalidBlockList</c> and leaves the first object whole. Keys are limited to
/// Azure's 1024 characters for a blob name, prefix included. Accounts with a hierarchical namespace (Data Lake Storage)
/// cannot hold both <c>a</c> and <c>a/b</c>; flat accounts, the default, can.
/// </para>
/// <para>
/// Listings come from List Blobs with metadata, in ordinal key order, with content types and custom metadata. Custom
/// metadata names are C# identifiers, case-insensitive; values are US-ASCII. Azure reports
/// <c>application/octet-stream</c> for objects written without a content type.
/// </para>
/// <para>
/// Store failures surface as <see cref="IOException"/> naming the bucket, the operation and Azure's error code, as a
/// disk's failures would; a missing object is null, never an exception, but a missing container is a failure.
/// </para>
/// </remarks>
internal sealed class AzureObjectBucket : IObjectBucket
{
    /// <summary>Azure's limit on a blob name, in characters.</summary>
    internal const int MaxBlobNameLength = 1024;

    private readonly BlobContainerClient container;
    private readonly string keyPrefix;

    public AzureObjectBucket(string name, BucketOptions options, BlobContainerClient container, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockSize, BucketOptions.MinBlockSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BlockSize, BucketOptions.MaxBlockSize, nameof(options));

        Name = name;
        this.container = container;
        Logger = logger ?? NullLogger.Instance;
        keyPrefix = options.Prefix is { Length: > 0 } prefix ? prefix.Trim('/') + "/" : string.Empty;
        BlockSize = options.BlockSize;
    }

    /// <summary>The bucket's name in Edge's configuration (in errors and logs).</summary>
    public string Name { get; }

    /// <summary>Bytes per staged block; the largest object sent with a single Put Blob.</summary>
    public int BlockSize { get; }

    /// <summary>The container's name (in errors).</summary>
    internal string ContainerName => container.Name;

    internal ILogger Logger { get; }

    /// <summary>Entries per List Blobs page (Azure's maximum, 5000, unless a test lowers it).</summary>
    internal int ListPageSize { get; init; } = 5000;

    public async ValueTask<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = container.GetBlobClient(StoreKey(key));
        try
        {
            BlobProperties properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            return new ObjectInfo(key, properties.ContentLength, properties.ContentType, properties.LastModified, AzureMetadata.Read(properties.Metadata));
        }
        catch (RequestFailedException ex) when (IsBlobNotFound(ex))
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
        var blob = container.GetBlobClient(StoreKey(key));
        var download = new BlobDownloadOptions();
        if (range is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested.Offset, nameof(range));
            if (requested.Length is { } requestedLength)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestedLength, nameof(range));
            }

            download.Range = requested.Length is { } length && length <= long.MaxValue - requested.Offset
                ? new HttpRange(requested.Offset, length)
                : new HttpRange(requested.Offset);
        }

        BlobDownloadStreamingResult? result;
        try
        {
            result = await blob.DownloadStreamingAsync(download, cancellationToken);
        }
        catch (RequestFailedException ex) when (IsBlobNotFound(ex))
        {
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
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
            var details = result.Details;
            long offset = 0;
            var length = details.ContentLength;
            long size;
            if (details.ContentRange is { } contentRange && ContentRangeHeader.TryParse(contentRange, out var first, out var total))
            {
                offset = first;
                size = total;
            }
            else
            {
                // A whole-object answer: to a request without a range, or to "bytes=0-" (Azurite answers it with 200).
                size = length;
            }

            if (range is { } r)
            {
                if (r.Offset >= size)
                {
                    throw new RangeNotSatisfiableException(size);
                }

                if (offset != r.Offset)
                {
                    throw Failure("GET", key, new InvalidDataException($"asked for bytes from {r.Offset}, the store answered with bytes from {offset}"));
                }

                // The body hands out exactly what was asked, whatever the store sent.
                length = Math.Min(length, r.Length ?? long.MaxValue);
            }

            var info = new ObjectInfo(key, size, details.ContentType, details.LastModified, AzureMetadata.Read(details.Metadata));
            var content = new ReadOnlySubStream(new AzureBodyStream(this, key, result.Content), length, failIfShort: true, owner: result);
            result = null;
            return new ObjectBody(info, content, offset, length);
        }
        finally
        {
            result?.Dispose();
        }
    }

    public ValueTask<IObjectUpload> BeginPutAsync(string key, ObjectPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var storeKey = StoreKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        AzureMetadata.ValidateContentType(options?.ContentType, nameof(options));
        var metadata = AzureMetadata.Validate(options?.Metadata, nameof(options));
        IObjectUpload upload = new AzureObjectUpload(this, key, container.GetBlockBlobClient(storeKey), options?.ContentType, metadata);
        return ValueTask.FromResult(upload);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = container.GetBlobClient(StoreKey(key));
        try
        {
            // Snapshots someone else took go with the blob: Azure refuses to delete a blob that has any otherwise.
            await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (IsBlobNotFound(ex))
        {
            return false;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("DELETE", key, ex);
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var listing = new GetBlobsOptions { Traits = BlobTraits.Metadata, States = BlobStates.None, Prefix = keyPrefix + prefix };
        string? marker = null;
        while (true)
        {
            Page<BlobItem>? page;
            try
            {
                page = await FirstPageAsync(container.GetBlobsAsync(listing, cancellationToken).AsPages(marker, ListPageSize), cancellationToken);
            }
            catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
            {
                throw Failure("LIST", prefix, ex);
            }

            if (page is null)
            {
                yield break;
            }

            foreach (var item in page.Values)
            {
                var key = item.Name.Substring(keyPrefix.Length);
                if (ObjectKeys.IsValid(key))
                {
                    // Blobs another program put under the prefix with names this API cannot name are left out.
                    yield return new ObjectInfo(
                        key,
                        item.Properties.ContentLength ?? 0,
                        item.Properties.ContentType,
                        item.Properties.LastModified ?? DateTimeOffset.UnixEpoch,
                        AzureMetadata.Read(item.Metadata));
                }
            }

            if (string.IsNullOrEmpty(page.ContinuationToken))
            {
                yield break;
            }

            if (page.ContinuationToken == marker)
            {
                // A store that says "more" without a new place to continue would loop forever.
                throw new IOException($"Azure bucket '{Name}' ({ContainerName}): LIST '{prefix}' returned a page without a new continuation marker.");
            }

            marker = page.ContinuationToken;
        }
    }

    internal static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RequestFailedException or AggregateException or HttpRequestException or IOException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    internal IOException Failure(string operation, string key, Exception ex) =>
        new($"Azure bucket '{Name}' ({ContainerName}): {operation} '{key}' failed: {Describe(ex)}", ex);

    /// <summary>The blob name of <paramref name="key"/>, after checking the key and Azure's limit on names.</summary>
    internal string StoreKey(string key)
    {
        ObjectKeys.Validate(key, nameof(key));
        var name = keyPrefix + key;
        if (name.Length > MaxBlobNameLength)
        {
            throw new ArgumentException(
                $"The object key is {key.Length} characters long; with the bucket's prefix '{keyPrefix}' the blob name would be {name.Length}, and Azure allows {MaxBlobNameLength}.",
                nameof(key));
        }

        return name;
    }

    /// <summary>What went wrong, in one line: the status and Azure's error code, never a credential or a URL.</summary>
    private static string Describe(Exception ex) => ex switch
    {
        RequestFailedException { Status: 0 } noAnswer => FirstLine(noAnswer.Message),
        RequestFailedException failed => $"{failed.Status} {failed.ErrorCode}: {FirstLine(failed.Message)}",
        AggregateException { InnerExceptions.Count: > 0 } retried => $"{retried.InnerExceptions.Count} tries, the last: {Describe(retried.InnerExceptions[^1])}",
        OperationCanceledException => "no answer within the timeout",
        _ => FirstLine(ex.Message),
    };

    // The SDK's messages go on with the response's content and headers; the first line is the store's own message.
    private static string FirstLine(string message)
    {
        var text = message.TrimStart();
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    private static bool IsBlobNotFound(RequestFailedException ex) =>
        ex.Status == 404 && ex.ErrorCode == BlobErrorCode.BlobNotFound.ToString();

    private static async ValueTask<Page<BlobItem>?> FirstPageAsync(IAsyncEnumerable<Page<BlobItem>> pages, CancellationToken cancellationToken)
    {
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        return await enumerator.MoveNextAsync() ? enumerator.Current : null;
    }
}
