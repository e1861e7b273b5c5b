using System.Buffers;
using System.IO.Pipelines;
using Edge.Functions;
using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// One upstream fetch of one blob, shared by every client that wants it while it runs.
/// </summary>
/// <remarks>
/// 1. The pump reads upstream's body once, hashing it and writing it to the bucket upload (and, where the bucket
///    cannot be read while written, a spool file).
/// 2. The client that started the download is fed from the pump directly (the primary sink): no read-back from
///    disk. A primary that goes away is dropped; the download goes on and fills the cache for everyone else.
/// 3. Clients that joined later tail the file up to what has been written.
/// 4. The last byte is held back from every client until length and digest are verified, so a truncated or
///    corrupt download never reaches a client as a complete response, and it is never committed to the cache.
/// 5. After verification the upload is committed (atomic rename) in the background; clients do not wait for it.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The pump owns the spool and disposes it when it ends; nothing else may.")]
internal sealed partial class BlobDownload
{
    private const int ChunkSize = 1024 * 1024;

    /// <summary>Wait for at least this much of a chunk before writing it on.</summary>
    private const int MinimumRead = 512 * 1024;

    /// <summary>How long the pump waits for the starting request to attach as the primary sink.</summary>
    private static readonly TimeSpan PrimaryAttachTimeout = TimeSpan.FromSeconds(10);

    private readonly Digest _digest;
    private readonly IObjectUpload _upload;
    private readonly string? _spoolPath;
    private readonly FileStream? _spool;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<PrimarySink?> _primary = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _verified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;
    private IOException? _cacheFailure;
    private bool _closing;

    public BlobDownload(Digest digest, long? length, IObjectUpload upload, string scratchDirectory, ILogger logger)
    {
        _digest = digest;
        Length = length;
        _upload = upload;
        _logger = logger;
        if (upload.OpenConcurrentReader() is { } probe)
        {
            probe.Dispose();
        }
        else
        {
            _spoolPath = Path.Combine(scratchDirectory, "spool-" + Guid.NewGuid().ToString("N"));
            _spool = new FileStream(_spoolPath, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous);
        }
    }

    /// <summary>The blob's length, when upstream said it.</summary>
    public long? Length { get; }

    /// <summary>Completes when every byte arrived and matched the digest; faults when the download failed.</summary>
    public Task Verified => _verified.Task;

    /// <summary>Completes when the blob is committed to the cache; faults when the download failed.</summary>
    public Task Completion => _completion.Task;

    public long Written => Volatile.Read(ref _written);

    /// <summary>How far clients may read: everything written, less the held-back last byte until verification.</summary>
    public long Readable
    {
        get
        {
            var written = Written;
            return _verified.Task.IsCompletedSuccessfully || Length is not { } length ? written : Math.Max(0, Math.Min(written, length - 1));
        }
    }

    /// <summary>
    /// Feeds <paramref name="writer"/> (the starting client's response) from the pump. Completes when every byte
    /// was written, or when the client went away; faults with <see cref="BlobDownloadException"/> when the
    /// download failed.
    /// </summary>
    public Task ServePrimaryAsync(PipeWriter writer, CancellationToken clientAborted)
    {
        var sink = new PrimarySink(writer, clientAborted);
        return _primary.TrySetResult(sink) ? sink.Done : throw new InvalidOperationException("The primary sink is already attached.");
    }

    /// <summary>Tells the pump no client will attach as primary (the starting request failed before it could).</summary>
    public void DeclinePrimary() => _primary.TrySetResult(null);

    /// <summary>Copies upstream's body into storage and to the primary, verifying the digest; runs once.</summary>
    public async Task PumpAsync(Stream upstreamBody, CancellationToken cancellationToken)
    {
        PrimarySink? primary = null;
        try
        {
            try
            {
                primary = await _primary.Task.WaitAsync(PrimaryAttachTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                _primary.TrySetResult(null);
            }

            using var hasher = new ParallelHasher(_digest);
            var held = new byte[1];
            var heldCount = 0;
            long primaryPosition = 0;
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                // Fill most of the buffer per round: fewer, larger file writes and client writes per gigabyte.
                var read = await upstreamBody.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), MinimumRead, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                if (Length is { } expected && Written + read > expected)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw new InvalidDataException($"upstream sent more than the {expected} bytes it announced");
                }

                // Synchronous writes to local files: they land in the page cache in microseconds, while an
                // asynchronous one costs a thread-pool round trip per chunk on Linux.
                if (_spool is not null)
                {
                    // A remote store (S3): readers tail the local spool; the upload may send a part over the network.
                    _spool.Write(buffer, 0, read);
                    await WriteRemoteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                else
                {
                    _upload.Content.Write(buffer, 0, read);
                    // Readers open the upload's file: the bytes must reach the OS before we announce them.
                    _upload.Content.Flush();
                }

                Announce(read);
                if (primary is not null)
                {
                    // Never hand the primary the final byte before verification; keep it aside instead.
                    var deliverable = (int)(Readable - primaryPosition);
                    var chunkStart = read - (int)(Written - primaryPosition);
                    if (deliverable > 0)
                    {
                        await primary.WriteAsync(buffer.AsMemory(chunkStart, deliverable));
                        primaryPosition += deliverable;
                    }

                    heldCount = (int)(Written - primaryPosition);
                    buffer.AsSpan(read - heldCount, heldCount).CopyTo(held);
                }

                // The hasher owns the buffer from here and returns it to the pool.
                await hasher.AddAsync(buffer, read, cancellationToken);
            }

            // Verification
            if (Length is { } total && Written != total)
            {
                throw new InvalidDataException($"upstream closed after {Written} of {total} bytes");
            }

            if (!_digest.Matches(await hasher.CompleteAsync()))
            {
                throw new InvalidDataException("the bytes upstream sent do not match the digest");
            }

            lock (_gate)
            {
                _closing = true;
            }

            _verified.TrySetResult();
            Signal();
            if (primary is not null)
            {
                // The held-back byte: the end of the final chunk.
                if (heldCount > 0)
                {
                    await primary.WriteAsync(held.AsMemory(0, heldCount));
                }

                await primary.CompleteAsync();
            }

            // Commit
            if (_cacheFailure is not null)
            {
                // Clients got every byte from the spool; only the cache copy is missing, and the next pull retries it.
                _completion.TrySetException(new BlobDownloadException($"The cache store failed while {_digest} was downloaded ({_cacheFailure.Message}); it was served but not cached.", _cacheFailure));
            }
            else
            {
                await _upload.CommitAsync(CancellationToken.None);
                _completion.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            LogDiscarded(_logger, _digest.ToString(), Written, ex.Message);
            lock (_gate)
            {
                _closing = true;
            }

            var failure = new BlobDownloadException($"The download of {_digest} from upstream failed ({ex.Message}); nothing was cached.", ex);
            _verified.TrySetException(failure);
            _completion.TrySetException(failure);
            primary?.Fail(failure);
            _primary.TrySetResult(null);
        }
        finally
        {
            Signal();
            await _upload.DisposeAsync();
            if (_spool is not null)
            {
                await _spool.DisposeAsync();
                // Readers keep their open handles; the name goes now.
                File.Delete(_spoolPath!);
            }
        }
    }

    /// <summary>
    /// Writes a chunk to a remote store's upload (readers tail the spool meanwhile). A store failure ends caching for this
    /// download, not the download: it is logged once, the upload abandoned, and the clients served from the spool.
    /// </summary>
    private async ValueTask WriteRemoteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (_cacheFailure is not null)
        {
            return;
        }

        try
        {
            await _upload.Content.WriteAsync(chunk, cancellationToken);
        }
        catch (IOException ex)
        {
            _cacheFailure = ex;
            LogCacheWriteFailed(_logger, _digest.ToString(), ex.Message);
            await _upload.DisposeAsync();
        }
    }

    /// <summary>
    /// Opens a reader over the bytes so far and those to come; null once the download has been verified or failed,
    /// when the caller should read the committed object from the bucket (or report the failure) instead.
    /// </summary>
    public Stream? OpenReader()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return null;
            }

            var file = _spoolPath is not null
                ? new FileStream(_spoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous)
                : _upload.OpenConcurrentReader()!;
            return new TailingStream(this, file);
        }
    }

    /// <summary>Waits until more than <paramref name="position"/> bytes are readable, or verification ended.</summary>
    internal async ValueTask WaitForAsync(long position, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _progress).Task;
            if (Readable > position || _verified.Task.IsCompleted)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    private void Announce(int count)
    {
        Interlocked.Add(ref _written, count);
        Signal();
    }

    private void Signal() =>
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Serving {Digest} without caching it: the cache store failed: {Reason}")]
    private static partial void LogCacheWriteFailed(ILogger logger, string digest, string reason);

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Discarded download of {Digest} after {Bytes} bytes: {Reason}")]
    private static partial void LogDiscarded(ILogger logger, string digest, long bytes, string reason);
}
