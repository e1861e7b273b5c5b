using Amazon.S3.Model;

namespace Edge.Bindings.S3;

/// <summary>
/// An upload to an <see cref="S3ObjectBucket"/>: an object of at most one part goes up with one PUT at commit, a larger
/// one as a multipart upload (see <see cref="MultipartObjectUpload"/> for the buffering). S3 makes the object visible
/// only at the PUT or at CompleteMultipartUpload; an abandoned or failed multipart upload is aborted, so its parts stop
/// taking space.
/// </summary>
internal sealed class S3ObjectUpload : MultipartObjectUpload
{
    // S3's limit on the parts of one multipart upload.
    private const int MaxParts = 10_000;

    private readonly S3ObjectBucket bucket;
    private readonly string storeKey;
    private readonly List<PartETag> parts = [];
    private string? uploadId;

    public S3ObjectUpload(S3ObjectBucket bucket, string key, string storeKey, string? contentType, Dictionary<string, string>? metadata)
        : base(key, bucket.PartSize, MaxParts, contentType, metadata)
    {
        this.bucket = bucket;
        this.storeKey = storeKey;
    }

    protected override async ValueTask<DateTimeOffset> PutWholeAsync(byte[] data, int count, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket.S3Bucket,
            Key = storeKey,
            InputStream = new MemoryStream(data, 0, count, writable: false),
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

        return bucket.Time.GetUtcNow();
    }

    protected override async ValueTask StartPartsAsync(CancellationToken cancellationToken)
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

    protected override async Task SendPartAsync(byte[] data, int count, int partNumber, CancellationToken cancellationToken)
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
            parts.Add(new PartETag(partNumber, response.ETag));
        }
        catch (Exception ex) when (S3ObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure($"PUT (part {partNumber})", Key, ex);
        }
    }

    protected override async ValueTask<DateTimeOffset> CompletePartsAsync(CancellationToken cancellationToken)
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

        return bucket.Time.GetUtcNow();
    }

    /// <summary>Aborts the multipart upload, if one was started, so its parts stop taking space. Never throws.</summary>
    protected override async ValueTask AbortPartsAsync()
    {
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

    protected override IOException TooManyParts(int maxParts) =>
        new($"S3 bucket '{bucket.Name}' ({bucket.S3Bucket}): PUT '{Key}' failed: the object needs more than S3's {maxParts} parts of {bucket.PartSize} bytes; raise Edge:Buckets:{bucket.Name}:PartSize.");

    private void Describe(MetadataCollection target, Action<string> setContentType)
    {
        if (ContentType is not null)
        {
            setContentType(ContentType);
        }

        if (Metadata is not null)
        {
            foreach (var (name, value) in Metadata)
            {
                target.Add(name, value);
            }
        }
    }
}
