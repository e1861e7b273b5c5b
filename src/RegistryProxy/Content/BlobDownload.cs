using Edge.Functions;
using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// One upstream fetch of one blob, shared by every client that wants it while it runs. Bytes go to the
/// bucket upload (and, where the bucket cannot be read while written, a spool file) as they arrive; readers
/// tail the file up to what has been written. The digest is verified before commit: a truncated or corrupt
/// download is discarded, never cached, and every reader fails instead of getting short data.
/// </summary>
internal sealed partial class BlobDownload : IAsyncDisposable
{
    private const int ChunkSize = 256 * 1024;

    private readonly Digest _digest;
    private readonly IObjectUpload _upload;
    private readonly string? _spoolPath;
    private readonly FileStream? _spool;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;
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

    /// <summary>Completes when the blob is committed to the cache, or faults when the download failed.</summary>
    public Task Completion => _completion.Task;

    public long Written => Volatile.Read(ref _written);

    /// <summary>Copies upstream's body into storage, verifying the digest; runs once, detached from any client.</summary>
    public async Task PumpAsync(Stream upstreamBody, CancellationToken cancellationToken)
    {
        using var hash = _digest.CreateHash();
        var buffer = new byte[ChunkSize];
        try
        {
            int read;
            while ((read = await upstreamBody.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await _upload.Content.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (_spool is not null)
                {
                    await _spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                else
                {
                    // Readers open the upload's file: the bytes must reach the OS before we announce them.
                    await _upload.Content.FlushAsync(cancellationToken);
                }

                Announce(read);
                if (Length is { } expected && Written > expected)
                {
                    throw new InvalidDataException($"upstream sent more than the {expected} bytes it announced");
                }
            }

            if (Length is { } total && Written != total)
            {
                throw new InvalidDataException($"upstream closed after {Written} of {total} bytes");
            }

            if (!_digest.Matches(hash.GetHashAndReset()))
            {
                throw new InvalidDataException("the bytes upstream sent do not match the digest");
            }

            lock (_gate)
            {
                _closing = true;
            }

            await _upload.CommitAsync(cancellationToken);
            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            LogDiscarded(_logger, _digest.ToString(), Written, ex.Message);
            lock (_gate)
            {
                _closing = true;
            }

            _completion.TrySetException(new BlobDownloadException($"The download of {_digest} from upstream failed ({ex.Message}); nothing was cached.", ex));
        }
        finally
        {
            Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await DisposeAsync();
        }
    }

    /// <summary>
    /// Opens a reader over the bytes so far and those to come; null once the download has finished, when the
    /// caller should read the committed object from the bucket (or report the failure) instead.
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

    /// <summary>Waits until more than <paramref name="position"/> bytes exist, or the download ends.</summary>
    internal async ValueTask WaitForAsync(long position, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _progress).Task;
            if (Written > position || _completion.Task.IsCompleted)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _upload.DisposeAsync();
        if (_spool is not null)
        {
            await _spool.DisposeAsync();
            // Readers keep their open handles; the name goes now.
            File.Delete(_spoolPath!);
        }
    }

    private void Announce(int count)
    {
        Interlocked.Add(ref _written, count);
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Discarded download of {Digest} after {Bytes} bytes: {Reason}")]
    private static partial void LogDiscarded(ILogger logger, string digest, long bytes, string reason);
}
