using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Edge.Functions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Bindings.Disk;

/// <summary>The embedded default <see cref="IObjectBucket"/>: a directory on local disk.</summary>
/// <remarks>
/// <para>Layout under <see cref="DiskBucketOptions.RootPath"/>:</para>
/// <list type="bullet">
/// <item><c>objects/&lt;key&gt;~obj</c>: the committed bytes of each object.</item>
/// <item><c>meta/&lt;key&gt;~meta.json</c>: its sidecar (content type, custom metadata, commit time, size).</item>
/// <item><c>tmp/&lt;random&gt;.upload</c> and <c>tmp/&lt;random&gt;.meta</c>: writes in progress, emptied at start-up.</item>
/// </list>
/// <para>
/// The '~' suffixes exist because keys "a" and "a/b" may both exist: "a" must be a directory for "a/b",
/// so the file for "a" needs another name, and '~' cannot appear in a key, hence in a directory name.
/// </para>
/// <para>
/// A commit renames the sidecar into place, then the data file: the object becomes visible whole, at the
/// data rename. Commits, deletes and reads of one key serialise on an in-process lock so a reader never
/// pairs bytes with another write's sidecar; a crash between the two renames leaves a sidecar whose size
/// and commit time do not match the data file, and it is ignored. One host process owns a root directory.
/// Empty directories left by deletes are kept: removing them would race with commits creating files there.
/// </para>
/// <para>
/// Listing walks the tree depth-first and holds the sorted names of one directory per level (at most 512
/// levels, as keys are at most 1024 characters), never the whole key set.
/// </para>
/// </remarks>
internal sealed class DiskObjectBucket : IObjectBucket
{
    internal const string DataSuffix = "~obj";
    internal const string SidecarSuffix = "~meta.json";

    // A power of two well above the number of concurrent requests one host serves for distinct keys;
    // collisions only make two keys wait for each other's short metadata work.
    private const int LockStripes = 64;

    // Reads accept sidecars up to this size even if the write limit is lowered later.
    private const int MinSidecarReadLimit = 64 * 1024;

    // The clocks of the file system and of the sidecar may differ in precision (seconds on some file systems).
    private static readonly TimeSpan CommitTimeTolerance = TimeSpan.FromSeconds(2);

    private readonly DiskBucketOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly string objectsRoot;
    private readonly string metaRoot;
    private readonly string tmpRoot;
    private readonly SemaphoreSlim[] locks;

    public DiskObjectBucket(DiskBucketOptions options, TimeProvider timeProvider, ILogger<DiskObjectBucket>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootPath, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxMetadataBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReadBufferSize, nameof(options));

        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        RootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.RootPath));
        objectsRoot = Path.Join(RootPath, "objects");
        metaRoot = Path.Join(RootPath, "meta");
        tmpRoot = Path.Join(RootPath, "tmp");
        Directory.CreateDirectory(objectsRoot);
        Directory.CreateDirectory(metaRoot);
        Directory.CreateDirectory(tmpRoot);
        locks = new SemaphoreSlim[LockStripes];
        for (var i = 0; i < locks.Length; i++)
        {
            locks[i] = new SemaphoreSlim(1, 1);
        }

        DeleteLeftovers();
    }

    /// <summary>The bucket's directory, absolute.</summary>
    public string RootPath { get; }

    public async ValueTask<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        var dataPath = DataPath(key);
        var gate = Gate(key);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var file = new FileInfo(dataPath);
            if (!file.Exists)
            {
                return null;
            }

            return await DescribeAsync(key, file.Length, file.LastWriteTimeUtc, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask<ObjectBody?> GetAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        if (range is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested.Offset, nameof(range));
            if (requested.Length is { } requestedLength)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestedLength, nameof(range));
            }
        }

        var dataPath = DataPath(key);
        var gate = Gate(key);
        await gate.WaitAsync(cancellationToken);
        FileStream? stream = null;
        try
        {
            try
            {
                stream = new FileStream(dataPath, new FileStreamOptions
                {
                    Mode = FileMode.Open,
                    Access = FileAccess.Read,
                    // Delete sharing lets the object be deleted or replaced while this body is being read.
                    Share = FileShare.ReadWrite | FileShare.Delete,
                    BufferSize = options.ReadBufferSize,
                    Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                });
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }

            var size = stream.Length;
            var info = await DescribeAsync(key, size, File.GetLastWriteTimeUtc(stream.SafeFileHandle), cancellationToken);
            long offset = 0;
            var length = size;
            if (range is { } r)
            {
                if (r.Offset >= size)
                {
                    throw new RangeNotSatisfiableException(size);
                }

                offset = r.Offset;
                length = Math.Min(r.Length ?? long.MaxValue, size - offset);
                stream.Seek(offset, SeekOrigin.Begin);
            }

            var body = new ObjectBody(info, new ReadOnlySubStream(stream, length), offset, length);
            stream = null;
            return body;
        }
        finally
        {
            gate.Release();
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
        }
    }

    public ValueTask<IObjectUpload> BeginPutAsync(string key, ObjectPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        _ = DataPath(key);
        _ = SidecarPath(key);

        var metadata = CopyMetadata(options?.Metadata);
        var probe = new ObjectSidecar(options?.ContentType, metadata, DateTimeOffset.MaxValue, long.MaxValue);
        var sidecarBytes = JsonSerializer.SerializeToUtf8Bytes(probe, BindingsJsonContext.Default.ObjectSidecar).Length;
        if (sidecarBytes > this.options.MaxMetadataBytes)
        {
            throw new ArgumentException(
                $"The content type and metadata take {sidecarBytes} bytes; the bucket stores at most {this.options.MaxMetadataBytes}.",
                nameof(options));
        }

        var tempPath = Path.Join(tmpRoot, Guid.NewGuid().ToString("N") + ".upload");
        IObjectUpload upload = new DiskObjectUpload(this, timeProvider, key, tempPath, options?.ContentType, metadata);
        return ValueTask.FromResult(upload);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key, nameof(key));
        var dataPath = DataPath(key);
        var sidecarPath = SidecarPath(key);
        var gate = Gate(key);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var existed = File.Exists(dataPath);
            if (existed)
            {
                File.Delete(dataPath);
            }

            if (File.Exists(sidecarPath))
            {
                File.Delete(sidecarPath);
            }

            return existed;
        }
        finally
        {
            gate.Release();
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var lastSlash = prefix.LastIndexOf('/');
        var startKey = lastSlash < 0 ? string.Empty : prefix[..lastSlash];
        if (startKey.Length > 0 && !ObjectKeys.IsValid(startKey))
        {
            // No key lives under an invalid folder; never turn it into a path.
            yield break;
        }

        // Depth-first in ordinal order: each directory's entries are sorted with folders as "name/", so every
        // key below a folder sorts exactly where the folder does. Only one directory listing per level is held.
        var pending = new Stack<IEnumerator<ListingEntry>>();
        pending.Push(ReadLevel(startKey).GetEnumerator());
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var level = pending.Peek();
            if (!level.MoveNext())
            {
                level.Dispose();
                pending.Pop();
                continue;
            }

            var entry = level.Current;
            if (entry.IsFolder)
            {
                var folderPrefix = entry.Key + "/";
                if (entry.Key.Length < ObjectKeys.MaxLength
                    && (folderPrefix.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(folderPrefix, StringComparison.Ordinal)))
                {
                    pending.Push(ReadLevel(entry.Key).GetEnumerator());
                }

                continue;
            }

            if (entry.Key.StartsWith(prefix, StringComparison.Ordinal) && await HeadAsync(entry.Key, cancellationToken) is { } info)
            {
                yield return info;
            }
        }
    }

    /// <summary>Makes a committed upload visible: sidecar first, then the data file, under the key's lock.</summary>
    internal async ValueTask PublishAsync(string key, string dataTempPath, ObjectSidecar sidecar, CancellationToken cancellationToken)
    {
        var dataPath = DataPath(key);
        var sidecarPath = SidecarPath(key);
        var sidecarTempPath = Path.Join(tmpRoot, Guid.NewGuid().ToString("N") + ".meta");
        var moved = false;
        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(sidecar, BindingsJsonContext.Default.ObjectSidecar);
            await using (var stream = new FileStream(sidecarTempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            var gate = Gate(key);
            await gate.WaitAsync(cancellationToken);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(sidecarPath)!);
                File.Move(sidecarTempPath, sidecarPath, overwrite: true);
                moved = true;
                Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
                File.Move(dataTempPath, dataPath, overwrite: true);
            }
            finally
            {
                gate.Release();
            }
        }
        finally
        {
            if (!moved)
            {
                DeleteTemporary(sidecarTempPath);
            }
        }
    }

    internal void DeleteTemporary(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            DiskObjectBucketLog.TempDeleteFailed(logger, path, ex);
        }
    }

    private static Dictionary<string, string>? CopyMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (name, value) in metadata)
        {
            if (value is null)
            {
                throw new ArgumentException($"The metadata value of '{name}' is null.", nameof(metadata));
            }

            copy[name] = value;
        }

        return copy;
    }

    private static string Contained(string directory, string relativePath)
    {
        // Keys are validated before they get here; this re-check guards against a validation bug ever
        // turning into a write outside the bucket.
        var full = Path.GetFullPath(Path.Join(directory, relativePath));
        if (!full.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The object key '{relativePath}' resolves outside the bucket.", nameof(relativePath));
        }

        return full;
    }

    private string DataPath(string key) => Contained(objectsRoot, key + DataSuffix);

    private string SidecarPath(string key) => Contained(metaRoot, key + SidecarSuffix);

    private SemaphoreSlim Gate(string key) => locks[(uint)StringComparer.Ordinal.GetHashCode(key) % LockStripes];

    private async ValueTask<ObjectInfo> DescribeAsync(string key, long size, DateTime lastWriteUtc, CancellationToken cancellationToken)
    {
        var lastWrite = new DateTimeOffset(DateTime.SpecifyKind(lastWriteUtc, DateTimeKind.Utc));
        var sidecar = await ReadSidecarAsync(key, cancellationToken);
        if (sidecar is null || sidecar.Size != size || (sidecar.CommittedAt - lastWrite).Duration() > CommitTimeTolerance)
        {
            // Bytes without a matching sidecar (a crash mid-commit): serve them, with no metadata rather than wrong metadata.
            return new ObjectInfo(key, size, null, lastWrite, ReadOnlyDictionary<string, string>.Empty);
        }

        return new ObjectInfo(key, size, sidecar.ContentType, sidecar.CommittedAt, ObjectMetadata.AsReadOnly(sidecar.Metadata));
    }

    private async ValueTask<ObjectSidecar?> ReadSidecarAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(SidecarPath(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            if (stream.Length > Math.Max(options.MaxMetadataBytes, MinSidecarReadLimit))
            {
                DiskObjectBucketLog.SidecarUnreadable(logger, key, null);
                return null;
            }

            return await JsonSerializer.DeserializeAsync(stream, BindingsJsonContext.Default.ObjectSidecar, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            DiskObjectBucketLog.SidecarUnreadable(logger, key, ex);
            return null;
        }
    }

    private List<ListingEntry> ReadLevel(string folderKey)
    {
        var directory = folderKey.Length == 0 ? objectsRoot : Contained(objectsRoot, folderKey);
        var keyPrefix = folderKey.Length == 0 ? string.Empty : folderKey + "/";
        var entries = new List<ListingEntry>();
        try
        {
            foreach (var item in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if ((item.Attributes & FileAttributes.ReparsePoint) != 0)
                {
                    // Links were not made by the bucket; following them could leave the root.
                    continue;
                }

                if (item is DirectoryInfo)
                {
                    if (ObjectKeys.IsValidSegment(item.Name))
                    {
                        entries.Add(new ListingEntry(keyPrefix + item.Name + "/", keyPrefix + item.Name, IsFolder: true));
                    }
                }
                else if (item.Name.EndsWith(DataSuffix, StringComparison.Ordinal))
                {
                    var segment = item.Name[..^DataSuffix.Length];
                    if (ObjectKeys.IsValidSegment(segment))
                    {
                        entries.Add(new ListingEntry(keyPrefix + segment, keyPrefix + segment, IsFolder: false));
                    }
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The folder was never created, or nothing was ever stored under the prefix.
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.SortKey, b.SortKey));
        return entries;
    }

    private void DeleteLeftovers()
    {
        var removed = 0;
        foreach (var path in Directory.EnumerateFileSystemEntries(tmpRoot))
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                else
                {
                    File.Delete(path);
                }

                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                DiskObjectBucketLog.TempDeleteFailed(logger, path, ex);
            }
        }

        if (removed > 0)
        {
            DiskObjectBucketLog.LeftoversRemoved(logger, removed, tmpRoot);
        }
    }
}
