using Edge.Functions;

namespace Edge.Bindings.Disk;

/// <summary>
/// An upload to a <see cref="DiskObjectBucket"/>: bytes go to a private temporary file, and the commit
/// publishes it with renames, so the object appears whole or not at all.
/// </summary>
/// <remarks>
/// The temporary file is written unbuffered: every byte the caller has written is in the operating system's
/// page cache at once, so a concurrent reader (see <see cref="OpenConcurrentReader"/>) sees exactly what the
/// caller counted as written. Callers copy in large chunks, so skipping the user-space buffer costs little.
/// One caller drives an upload; only the commit guard is thread-safe.
/// </remarks>
internal sealed class DiskObjectUpload : IObjectUpload
{
    private const int Open = 0;
    private const int Committing = 1;
    private const int Committed = 2;
    private const int Failed = 3;
    private const int Abandoned = 4;

    private readonly DiskObjectBucket bucket;
    private readonly TimeProvider timeProvider;
    private readonly string tempPath;
    private readonly FileStream file;
    private readonly UploadContentStream content;
    private readonly string? contentType;
    private readonly Dictionary<string, string>? metadata;
    private int state = Open;

    public DiskObjectUpload(
        DiskObjectBucket bucket,
        TimeProvider timeProvider,
        string key,
        string tempPath,
        string? contentType,
        Dictionary<string, string>? metadata)
    {
        this.bucket = bucket;
        this.timeProvider = timeProvider;
        this.tempPath = tempPath;
        this.contentType = contentType;
        this.metadata = metadata;
        Key = key;
        file = new FileStream(tempPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        });
        content = new UploadContentStream(file);
    }

    public string Key { get; }

    public Stream Content => content;

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
            var committedAt = timeProvider.GetUtcNow();
            var size = content.BytesWritten;

            // The data file carries its commit time, and the sidecar repeats it with the size: that pair
            // tells a reader whether a sidecar belongs to the bytes it opened (see ObjectSidecar).
            File.SetLastWriteTimeUtc(file.SafeFileHandle, committedAt.UtcDateTime);
            file.Flush(flushToDisk: true);
            await file.DisposeAsync();

            await bucket.PublishAsync(Key, tempPath, new ObjectSidecar(contentType, metadata, committedAt, size), cancellationToken);
            published = true;
            Volatile.Write(ref state, Committed);
            return new ObjectInfo(Key, size, contentType, committedAt, ObjectMetadata.AsReadOnly(metadata));
        }
        finally
        {
            if (!published)
            {
                // A failed commit discards the bytes at once: the caller's only way forward is a new upload.
                Volatile.Write(ref state, Failed);
                content.Close($"The commit of '{Key}' failed; its content can no longer be written.");
                await file.DisposeAsync();
                bucket.DeleteTemporary(tempPath);
            }
        }
    }

    public Stream? OpenConcurrentReader()
    {
        if (Volatile.Read(ref state) != Open)
        {
            throw new InvalidOperationException($"The upload of '{Key}' is no longer in progress; read the committed object instead.");
        }

        // Sharing Delete lets the commit rename and an abandon delete the file under this reader: on Linux
        // the open descriptor keeps the bytes readable either way.
        return new FileStream(tempPath, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.CompareExchange(ref state, Abandoned, Open) != Open)
        {
            // Committed, failed (already cleaned up) or already abandoned.
            return;
        }

        content.Close($"The upload of '{Key}' was abandoned; its content can no longer be written.");
        await file.DisposeAsync();
        bucket.DeleteTemporary(tempPath);
    }
}
