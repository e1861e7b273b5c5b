namespace Edge.Bindings.Disk;

/// <summary>Settings of a <see cref="DiskObjectBucket"/>, bound from configuration.</summary>
internal sealed class DiskBucketOptions
{
    /// <summary>
    /// The directory holding the bucket. Default "data/bucket": relative to the working directory, so a
    /// host started without configuration keeps its data next to itself instead of in a system location.
    /// </summary>
    public string RootPath { get; set; } = "data/bucket";

    /// <summary>
    /// The largest serialized metadata sidecar (content type plus custom metadata) a write accepts. Default
    /// 8 KiB: sidecars are read whole on every head, get and list entry, so they must stay small; 8 KiB is
    /// four times S3's user-metadata limit and far above what a registry stores.
    /// </summary>
    public int MaxMetadataBytes { get; set; } = 8 * 1024;

    /// <summary>
    /// The buffer of the file streams returned by reads. Default 64 KiB: bodies are copied to sockets in
    /// large sequential chunks, and 64 KiB keeps syscalls few without holding much memory per request.
    /// </summary>
    public int ReadBufferSize { get; set; } = 64 * 1024;
}
