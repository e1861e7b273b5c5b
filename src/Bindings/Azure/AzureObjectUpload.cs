using System.Buffers.Binary;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Edge.Bindings.Azure;

/// <summary>
/// An upload to an <see cref="AzureObjectBucket"/>: an object of at most one block goes up with one Put Blob at commit,
/// a larger one as staged blocks (Put Block, one in flight while the next fills; see <see cref="MultipartObjectUpload"/>)
/// committed with one Put Block List. Azure shows the blob only at that Put Blob or Put Block List; blocks of an
/// abandoned or failed upload stay uncommitted and invisible until the service discards them.
/// </summary>
/// <remarks>
/// Block IDs are this upload's random 16-byte ID and the block's number, base64: the same length for every block, as
/// Azure requires, and distinct from the blocks any other upload stages for the same blob meanwhile.
/// </remarks>
internal sealed class AzureObjectUpload : MultipartObjectUpload
{
    /// <summary>Azure's limit on the blocks of one block blob.</summary>
    internal const int MaxBlocks = 50_000;

    private const int UploadIdSize = 16;

    private readonly AzureObjectBucket bucket;
    private readonly BlockBlobClient blob;
    private readonly byte[] uploadId = RandomNumberGenerator.GetBytes(UploadIdSize);
    private readonly List<string> blockIds = [];

    public AzureObjectUpload(AzureObjectBucket bucket, string key, BlockBlobClient blob, string? contentType, Dictionary<string, string>? metadata)
        : base(key, bucket.BlockSize, MaxBlocks, contentType, metadata)
    {
        this.bucket = bucket;
        this.blob = blob;
    }

    /// <summary>The block IDs staged and acknowledged so far, in order.</summary>
    internal IReadOnlyList<string> BlockIds => blockIds;

    protected override async ValueTask<DateTimeOffset> PutWholeAsync(byte[] data, int count, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions { HttpHeaders = Headers(), Metadata = Metadata };
        try
        {
            BlobContentInfo info = await blob.UploadAsync(new MemoryStream(data, 0, count, writable: false), options, cancellationToken);
            return info.LastModified;
        }
        catch (Exception ex) when (AzureObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure("PUT", Key, ex);
        }
    }

    /// <summary>Azure needs nothing before the first block: blocks are staged against the blob's name.</summary>
    protected override ValueTask StartPartsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override async Task SendPartAsync(byte[] data, int count, int partNumber, CancellationToken cancellationToken)
    {
        var blockId = BlockId(partNumber);
        try
        {
            await blob.StageBlockAsync(blockId, new MemoryStream(data, 0, count, writable: false), options: null, cancellationToken);
        }
        catch (Exception ex) when (AzureObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure($"PUT (block {partNumber})", Key, ex);
        }

        blockIds.Add(blockId);
    }

    protected override async ValueTask<DateTimeOffset> CompletePartsAsync(CancellationToken cancellationToken)
    {
        var options = new CommitBlockListOptions { HttpHeaders = Headers(), Metadata = Metadata };
        try
        {
            BlobContentInfo info = await blob.CommitBlockListAsync(blockIds, options, cancellationToken);
            return info.LastModified;
        }
        catch (Exception ex) when (AzureObjectBucket.IsStoreFailure(ex, cancellationToken))
        {
            throw bucket.Failure($"PUT (commit {blockIds.Count} blocks)", Key, ex);
        }
    }

    /// <summary>
    /// Nothing to call: Azure has no way to drop uncommitted blocks. They are invisible, and the service discards them when
    /// the blob is next committed or a week after the last block was staged.
    /// </summary>
    protected override ValueTask AbortPartsAsync()
    {
        AzureObjectBucketLog.BlocksLeftUncommitted(bucket.Logger, bucket.Name, Key, blockIds.Count);
        return ValueTask.CompletedTask;
    }

    protected override IOException TooManyParts(int maxParts) =>
        new($"Azure bucket '{bucket.Name}' ({bucket.ContainerName}): PUT '{Key}' failed: the object needs more than Azure's {maxParts} blocks of {bucket.BlockSize} bytes; raise Edge:Buckets:{bucket.Name}:BlockSize.");

    private BlobHttpHeaders? Headers() => ContentType is null ? null : new BlobHttpHeaders { ContentType = ContentType };

    private string BlockId(int partNumber)
    {
        Span<byte> id = stackalloc byte[UploadIdSize + sizeof(int)];
        uploadId.CopyTo(id);
        BinaryPrimitives.WriteInt32BigEndian(id[UploadIdSize..], partNumber);
        return Convert.ToBase64String(id);
    }
}
