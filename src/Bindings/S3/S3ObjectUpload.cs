using Amazon.S3.Model;
using Edge.Functions;

namespace Edge.Bindings.S3;

/// <summary>
/// An upload to an <see cref="S3ObjectBucket"/>. Bytes collect in a buffer of at most one part; an object that fits
/// goes up with one PUT at commit, a larger one as a multipart upload whose parts are sent while the next one fills
/// (at most one part in flight, so at most two parts in memory). S3 makes the object visible only at the PUT or at
/// CompleteMultipartUpload; an abandoned or failed upload is aborted, so nothing is left behind.
/// </summary>
/// <remarks>One caller drives an upload; only the commit and abandon guard is thread-safe.</remarks>
internal sealed class S3ObjectUpload : IObjectUpload
{
    private const int Open = 0;
    private const int Committing = 1;
    private const int Committed = 2;
    private const int Failed = 3;
    private const int Abandoned = 4;

    // Small objects (manifests, metadata) should not cost a whole part: the buffer starts here and doubles.
    private const int InitialBufferSize = 64 * 1024;

    private readonly S3ObjectBucket bucket;
    private readonly string storeKey;
    private readonly string? contentType;
    private readonly Dictionary<string, string>? metadata;
    private readonly S3UploadContentStream content;
    private readonly List<PartETag> parts = [];
    private byte[] buffer;
    private int filled;
    private byte[]? spare;
    private string? uploadId;
    private Task<PartETag>? inFlight;
    private byte[]? inFlightBuffer;
    private long length;
    private int state = Open;

    public S3ObjectUpload(S3ObjectBucket bucket, string key, string storeKey, string? contentType, Dictionary<string, string>? metadata)
    {
        this.bucket = bucket;
        this.storeKey = storeKey;
        this.contentType = contentType;
        this.metadata = metadata;
        Key = key;
        buffer = new byte[Math.Min(InitialBufferSize, bucket.PartSize)];
        content = new S3UploadContentStream(this);
    }

    public string Key { get; }

    public Stream Content => content;

    /// <summary>Bytes written so far.</summary>
    public long Length => length;

    /// <summary>Parts sent and acknowledged so far (0 for an object sent with one PUT).</summary>
    internal int PartsSent => parts.Count;

    /// <summary>Parts sent or being sent so far.</summary>
    internal int PartsStarted => parts.Count + (inFlight is null ? 0 : 1);

    /// <summary>S3 has no way to read an object before it is complete.</summary>
    public Stream? OpenConcurrentReader() => null;

    /// <summary>Copies as much of <paramref name="data"/> as fits without sending a part; returns how much.</summary>
    internal int TryCopy(ReadOnlySpan<byte> data)
    {
        var total = 0;
        while (!data.IsEmpty)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= bucket.PartSize)
                {
                    break;
                }

                Grow();
            }

            var count = Math.Min(data.Length, buffer.Length - filled);
            data[..count].CopyTo(buffer.AsSpan(filled));
            filled += count;
            length += count;
            total += count;
            data = data[count..];
        }

        return total;
    }

    internal async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length < bucket.PartSize)
                {
                    Grow();
                }
                else
                {
                    await SendPartAsync(cancellationToken);
                }
            }

            var count = Math.Min(data.Length, buffer.Length - filled);
            data[..count].CopyTo(buffer.AsMemory(filled));
            filled += count;
            length += count;
            data = data[count..];
        }
    }

    public async ValueTask<ObjectInfo> CommitAsync(CancellationToken cancellationToken = default)
    {
        var previous = Interlocked.CompareExchange(ref state, Committing, Open);
        if (previous != Open)
        {
            throw new InvalidOperationException(previous switch
            {
                Committing or Committed => $"The upload of '{Key}' is already committed.",
                Failed => $"The commit of '{Key}' failed earlier; start a new upload.",
                _ => $"The upload of '{Key}' was abandoned.",
            });
        }

        content.Close($"The upload of '{Key}' is committed; its content can no longer be written.");
        var published = false;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (uploadId is null)
            {
                await PutWholeAsync(cancellationToken);
            }
            else
            {
                await SendPartAsync(cancellationToken);
                await CollectInFlightAsync();
                await CompleteAsync(cancellationToken);
            }

            published = true;
            Volatile.Write(ref state, Committed);
            return new ObjectInfo(Key, length, contentType, bucket.Time.GetUtcNow(), ObjectMetadata.AsReadOnly(metadata));
        }
        finally
        {
            if (!published)
            {
                Volatile.Write(ref state, Failed);
                content.Close($"The commit of '{Key}' failed; its content can no longer be written.");
                await AbortAsync();
            }

            Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.CompareExchange(ref state, Abandoned, Open) != Open)
        {
            // Committed, failed (already cleaned up) or already abandoned.
            return;
        }

        content.Close($"The upload of '{Key}' was abandoned; its content can no longer be written.");
        await AbortAsync();
        Release();
    }

    private void Grow()
    {
        var larger = new byte[(int)Math.Min(bucket.PartSize, 2L * buffer.Length)];
        buffer.AsSpan(0, filled).CopyTo(larger);
        buffer = larger;
    }

    private async ValueTask PutWholeAsync(CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket.S3Bucket,
            Key = storeKey,
            InputStream = new MemoryStream(buffer, 0, filled, writable: false),
            AutoCloseStream = true,
            UseChunkEncoding = false,
        };
        Describe(request.Metadata, ct => request.ContentType = ct);
        try
        {
            await bucket.Client.PutObjectAsync(request, cancellationToken);
        }
        catch (Exception ex) when (S3ObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure("PUT", Key, ex);
        }
    }

    /// <summary>Sends the buffer as the next part (starting the multipart upload first), after the previous part is done.</summary>
    private async ValueTask SendPartAsync(CancellationToken cancellationToken)
    {
        if (uploadId is null)
        {
            var request = new InitiateMultipartUploadRequest { BucketName = bucket.S3Bucket, Key = storeKey };
            Describe(request.Metadata, ct => request.ContentType = ct);
            try
            {
                uploadId = (await bucket.Client.InitiateMultipartUploadAsync(request, cancellationToken)).UploadId;
            }
            catch (Exception ex) when (S3ObjectBucket.IsStoreFailure(ex, cancellationToken))
            {
                throw bucket.Failure("PUT (start multipart)", Key, ex);
            }
        }

        await CollectInFlightAsync();
        var full = buffer;
        var count = filled;
        buffer = spare ?? GC.AllocateUninitializedArray<byte>(bucket.PartSize);
        spare = null;
        filled = 0;
        inFlightBuffer = full;
        inFlight = UploadPartAsync(full, count, parts.Count + 1, cancellationToken);
    }

    private async Task<PartETag> UploadPartAsync(byte[] data, int count, int partNumber, CancellationToken cancellationToken)
    {
        var request = new UploadPartRequest
        {
            BucketName = bucket.S3Bucket,
            Key = storeKey,
            UploadId = uploadId,
            PartNumber = partNumber,
            PartSize = count,
            InputStream = new MemoryStream(data, 0, count, writable: false),
            UseChunkEncoding = false,
        };
        try
        {
            var response = await bucket.Client.UploadPartAsync(request, cancellationToken);
            return new PartETag(partNumber, response.ETag);
        }
        catch (Exception ex) when (S3ObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure($"PUT (part {partNumber})", Key, ex);
        }
    }

    /// <summary>Waits for the part in flight, if any, records it, and keeps its buffer for the part after next.</summary>
    private async ValueTask CollectInFlightAsync()
    {
        if (inFlight is null)
        {
            return;
        }

        var task = inFlight;
        inFlight = null;
        parts.Add(await task);
        spare = inFlightBuffer;
        inFlightBuffer = null;
    }

    private async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        var request = new CompleteMultipartUploadRequest { BucketName = bucket.S3Bucket, Key = storeKey, UploadId = uploadId, PartETags = parts };
        try
        {
            await bucket.Client.CompleteMultipartUploadAsync(request, cancellationToken);
        }
        catch (Exception ex) when (S3ObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure("PUT (complete multipart)", Key, ex);
        }
    }

    /// <summary>Aborts the multipart upload, if one was started, so its parts stop taking space. Never throws.</summary>
    private async ValueTask AbortAsync()
    {
        if (inFlight is { } pending)
        {
            inFlight = null;
            try
            {
                await pending;
            }
            catch (Exception)
            {
                // The part's failure was reported to the writer, or nobody is left to care; the abort follows anyway.
            }
        }

        if (uploadId is null)
        {
            return;
        }

        try
        {
            await bucket.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket.S3Bucket, Key = storeKey, UploadId = uploadId }, CancellationToken.None);
        }
        catch (Exception ex) when (S3ObjectBucket.IsStoreFailure(ex, CancellationToken.None))
        {
            S3ObjectBucketLog.AbortFailed(bucket.Logger, bucket.Name, Key, ex);
        }

        uploadId = null;
    }

    private void Describe(MetadataCollection target, Action<string> setContentType)
    {
        if (contentType is not null)
        {
            setContentType(contentType);
        }

        if (metadata is not null)
        {
            foreach (var (name, value) in metadata)
            {
                target.Add(name, value);
            }
        }
    }

    private void Release()
    {
        buffer = [];
        spare = null;
        inFlightBuffer = null;
    }
}
