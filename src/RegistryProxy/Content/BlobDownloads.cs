using System.Collections.Concurrent;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// Single flight for cold blobs: the first request for a digest starts the upstream fetch; requests arriving
/// while it starts or runs share it. A start that fails (upstream said no, or is down) is not shared: each
/// waiting request tries on its own, with its own credentials.
/// </summary>
internal sealed class BlobDownloads
{
    private readonly ConcurrentDictionary<string, Task<BlobDownload?>> _running = new(StringComparer.Ordinal);

    public int Count => _running.Count;

    /// <summary>The running download of <paramref name="key"/>, if one has started.</summary>
    public BlobDownload? Running(string key) =>
        _running.TryGetValue(key, out var task) && task.IsCompletedSuccessfully ? task.Result : null;

    /// <summary>
    /// Joins the download of <paramref name="key"/> or starts it with <paramref name="start"/>, which returns
    /// the started download or null when upstream did not give the blob (the leader then answers from
    /// its own upstream result). Returns the download and whether this caller started it.
    /// </summary>
    public async Task<(BlobDownload? Download, bool Leader)> JoinOrStartAsync(string key, Func<Task<BlobDownload?>> start)
    {
        var source = new TaskCompletionSource<BlobDownload?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _running.GetOrAdd(key, source.Task);
        if (existing != source.Task)
        {
            return (await existing, false);
        }

        BlobDownload? download;
        try
        {
            download = await start();
        }
        catch (Exception ex)
        {
            _running.TryRemove(new KeyValuePair<string, Task<BlobDownload?>>(key, source.Task));
            source.TrySetException(ex);
            throw;
        }

        if (download is null)
        {
            _running.TryRemove(new KeyValuePair<string, Task<BlobDownload?>>(key, source.Task));
            source.TrySetResult(null);
            return (null, true);
        }

        // Leave the table only once the blob is committed (or discarded), so no request starts a second fetch.
        _ = download.Completion.ContinueWith(
            _ => _running.TryRemove(new KeyValuePair<string, Task<BlobDownload?>>(key, source.Task)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        source.TrySetResult(download);
        return (download, true);
    }
}
