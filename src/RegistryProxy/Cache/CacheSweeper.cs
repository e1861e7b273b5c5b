using Edge.Functions;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Cache;

/// <summary>
/// Keeps the cache bucket under <see cref="RegistryProxyOptions.MaxCacheSize"/>: every
/// <see cref="RegistryProxyOptions.CacheSweepInterval"/> it lists blobs and manifests, and when they add up to
/// more than the limit deletes the least recently used ones until the total is at the low-water mark.
/// </summary>
/// <remarks>
/// Never evicted: a blob being downloaded, and anything used within <see cref="RegistryProxyOptions.CacheProtectRecent"/>
/// (a pull in progress). Deleting is safe for readers that already opened an object (the bucket guarantees it);
/// a request that finds the object gone afterwards fetches it again. Tag records and links that name evicted
/// content stay: every reader checks the bucket first and treats an absent object as a miss.
/// The loop has no stop signal (the SDK has no shutdown hook): each iteration is bounded by a timeout, never
/// throws, and the loop may be abandoned at any point.
/// </remarks>
internal sealed partial class CacheSweeper(
    IObjectBucket bucket,
    IKeyValueStore store,
    CacheAccessLog accessLog,
    BlobDownloads downloads,
    RegistryProxyOptions options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>The longest one sweep may take before it is cancelled (the next one starts over).</summary>
    public static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(10);

    private static readonly string[] Prefixes = ["blobs/", "manifests/"];

    private bool _restored;

    /// <summary>Starts the background loop until <paramref name="stopping"/> is cancelled. Returns its task (which never
    /// faults: a cancelled sweep ends it quietly).</summary>
    public Task Start(CancellationToken stopping) => Task.Run(() => RunAsync(stopping), CancellationToken.None);

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.CacheSweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                using var timeout = new CancellationTokenSource(SweepTimeout, time);
                using var sweep = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
                try
                {
                    await SweepAsync(sweep.Token);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    // Never let the loop die: the next tick tries again.
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Stopped (between sweeps or in one): the handler's StopAsync waits for this.
        }
    }

    /// <summary>One sweep: measure, evict when over the limit, persist recent accesses. Returns what it decided.</summary>
    public async Task<EvictionPlan> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var objects = new List<ObjectInfo>();
        foreach (var prefix in Prefixes)
        {
            await foreach (var info in bucket.ListAsync(prefix, cancellationToken))
            {
                objects.Add(info);
            }
        }

        if (!_restored)
        {
            // Once per process: recency persisted by an earlier run, for objects not used since this one started.
            foreach (var info in objects)
            {
                if (accessLog.LastAccess(info.Key) is null && await CacheAccessLog.ReadRecordAsync(store, info.Key, cancellationToken) is { } ms)
                {
                    accessLog.Restore(info.Key, ms);
                }
            }

            _restored = true;
        }

        var candidates = objects.Select(info => Describe(info, now)).ToList();
        var plan = EvictionPlan.Create(candidates, options.MaxCacheSize, EvictionPlan.LowWaterMark(options.MaxCacheSize));
        long freed = 0;
        var evicted = 0;
        foreach (var victim in plan.Evict)
        {
            // Selection took a moment: a pull may have started using it since.
            if (IsProtected(victim.Key, victim.LastAccess, DateTimeOffset.MinValue, time.GetUtcNow()))
            {
                continue;
            }

            if (await bucket.DeleteAsync(victim.Key, cancellationToken))
            {
                freed += victim.Size;
                evicted++;
            }

            accessLog.Forget(victim.Key);
            await store.DeleteAsync(CacheAccessLog.RecordKey(victim.Key), cancellationToken);
        }

        await accessLog.PersistAsync(store, cancellationToken);
        Prune(objects, now);
        if (evicted > 0)
        {
            LogEvicted(logger, evicted, freed, plan.SizeBefore, plan.SizeBefore - freed, options.MaxCacheSize);
        }

        return plan with { SizeAfter = plan.SizeBefore - freed };
    }

    private CachedObject Describe(ObjectInfo info, DateTimeOffset now)
    {
        var lastAccess = accessLog.LastAccess(info.Key) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : info.LastModified;
        return new CachedObject(info.Key, info.Size, lastAccess, IsProtected(info.Key, lastAccess, info.LastModified, now));
    }

    private bool IsProtected(string key, DateTimeOffset lastAccess, DateTimeOffset lastModified, DateTimeOffset now)
    {
        if (downloads.Running(key) is not null)
        {
            return true;
        }

        var latest = accessLog.LastAccess(key) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : lastAccess;
        if (lastModified > latest)
        {
            latest = lastModified;
        }

        return now - latest < options.CacheProtectRecent;
    }

    /// <summary>Drops in-memory entries of objects no longer in the bucket (deleted some other way), so the map stays bounded.</summary>
    private void Prune(List<ObjectInfo> listed, DateTimeOffset listedAt)
    {
        if (accessLog.Count <= listed.Count)
        {
            return;
        }

        var present = listed.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var before = listedAt.ToUnixTimeMilliseconds();
        foreach (var (key, ms) in accessLog.Entries)
        {
            // Touched after the listing started: it may have been committed meanwhile.
            if (ms < before && !present.Contains(key))
            {
                accessLog.Forget(key);
            }
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Cache sweep evicted {Count} objects, freed {Freed} bytes: cache {Before} -> {After} bytes (limit {Limit})")]
    private static partial void LogEvicted(ILogger logger, int count, long freed, long before, long after, long limit);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Cache sweep failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
