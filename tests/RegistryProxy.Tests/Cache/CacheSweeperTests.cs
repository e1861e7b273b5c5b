using Edge.Functions;
using Edge.RegistryProxy.Cache;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Cache;

public sealed class CacheSweeperTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryBucket _bucket = new();
    private readonly InMemoryKeyValueStore _store = new();
    private readonly BlobDownloads _downloads = new();
    private readonly RegistryProxyOptions _options = new() { MaxCacheSize = 1000 };

    private CacheSweeper Sweeper(CacheAccessLog log) =>
        new(_bucket, _store, log, _downloads, _options, _time, NullLogger.Instance);

    private DateTimeOffset MinutesAgo(int minutes) => _time.GetUtcNow().AddMinutes(-minutes);

    [Fact]
    public async Task Sweep_UnderLimit_DeletesNothingButPersistsAccesses()
    {
        var log = new CacheAccessLog(_time, enabled: true);
        _bucket.Add("blobs/a", 600, MinutesAgo(30));
        _bucket.Add("manifests/m", 10, MinutesAgo(30));
        log.Touch("blobs/a");

        var plan = await Sweeper(log).SweepAsync(CancellationToken.None);

        Assert.Empty(_bucket.Deleted);
        Assert.Equal(610, plan.SizeAfter);
        Assert.Equal(["access/blobs/a"], _store.Keys);
    }

    [Fact]
    public async Task Sweep_OverLimit_EvictsLeastRecentlyUsedDownToNinetyPercent()
    {
        var log = new CacheAccessLog(_time, enabled: true);
        // Committed long ago but served just now: recent. Committed recently-ish and never served: old.
        // The sweep runs 5 minutes after the touch; ages are relative to the sweep.
        var sweepAt = _time.GetUtcNow().AddMinutes(5);
        _bucket.Add("blobs/served", 400, sweepAt.AddMinutes(-120));
        _bucket.Add("blobs/unused", 400, sweepAt.AddMinutes(-60));
        _bucket.Add("manifests/old", 100, sweepAt.AddMinutes(-90));
        _bucket.Add("blobs/newer", 300, sweepAt.AddMinutes(-10));
        log.Touch("blobs/served");
        _time.Advance(TimeSpan.FromMinutes(5));
        await _store.PutStringAsync("access/manifests/old", "1");

        var plan = await Sweeper(log).SweepAsync(CancellationToken.None);

        // 1200 bytes > 1000: oldest first (manifests/old at -90, blobs/unused at -60) leaves 700 <= 900.
        Assert.Equal(["manifests/old", "blobs/unused"], _bucket.Deleted);
        Assert.Equal(1200, plan.SizeBefore);
        Assert.Equal(700, plan.SizeAfter);
        Assert.Equal(700, _bucket.TotalSize);
        Assert.DoesNotContain("access/manifests/old", _store.Keys);
    }

    [Fact]
    public async Task Sweep_RecentlyUsed_IsProtectedWithinTheWindow()
    {
        var log = new CacheAccessLog(_time, enabled: true);
        // The sweep runs 30 seconds after the touch; ages are relative to the sweep.
        var sweepAt = _time.GetUtcNow().AddSeconds(30);
        _bucket.Add("blobs/in-pull", 800, sweepAt.AddMinutes(-120));
        _bucket.Add("blobs/other", 300, sweepAt.AddMinutes(-1));
        log.Touch("blobs/in-pull");
        _time.Advance(TimeSpan.FromSeconds(30));

        await Sweeper(log).SweepAsync(CancellationToken.None);

        // blobs/in-pull is the least recently used of the two by far, but was used 30 s ago (window: 1 minute).
        Assert.True(_bucket.Contains("blobs/in-pull"));
        Assert.Equal(["blobs/other"], _bucket.Deleted);
    }

    [Fact]
    public async Task Sweep_ProtectWindowZero_EvictsEvenJustUsed()
    {
        _options.CacheProtectRecent = TimeSpan.Zero;
        var log = new CacheAccessLog(_time, enabled: true);
        _bucket.Add("blobs/a", 800, MinutesAgo(120));
        _bucket.Add("blobs/b", 300, MinutesAgo(0));
        log.Touch("blobs/b");

        await Sweeper(log).SweepAsync(CancellationToken.None);

        Assert.Equal(["blobs/a"], _bucket.Deleted);
    }

    [Fact]
    public async Task Sweep_BlobBeingDownloaded_IsNeverEvicted()
    {
        var digest = new Digest("sha256", new string('a', 64));
        var key = CacheKeys.Blob(digest);
        // An earlier copy is still listed while a new download of the same key runs (e.g. a re-fetch).
        _bucket.Add(key, 900, MinutesAgo(600));
        _bucket.Add("blobs/b", 300, MinutesAgo(60));
        var upload = await _bucket.BeginPutAsync(key);
        await _downloads.JoinOrStartAsync(key, () => Task.FromResult<BlobDownload?>(new BlobDownload(digest, 900, upload, Path.GetTempPath(), NullLogger.Instance)));

        await Sweeper(new CacheAccessLog(_time, enabled: true)).SweepAsync(CancellationToken.None);

        Assert.True(_bucket.Contains(key));
        Assert.Equal(["blobs/b"], _bucket.Deleted);
    }

    [Fact]
    public async Task Sweep_AfterRestart_UsesPersistedRecency()
    {
        _bucket.Add("blobs/popular", 500, MinutesAgo(600));
        _bucket.Add("blobs/unpopular", 500, MinutesAgo(300));
        _bucket.Add("blobs/c", 100, MinutesAgo(200));
        var firstRun = new CacheAccessLog(_time, enabled: true);
        firstRun.Touch("blobs/popular");
        _options.MaxCacheSize = 10_000;
        await Sweeper(firstRun).SweepAsync(CancellationToken.None);
        Assert.Empty(_bucket.Deleted);

        // A new process: nothing in memory, the limit lowered, two hours later.
        _time.Advance(TimeSpan.FromHours(2));
        _options.MaxCacheSize = 1000;
        await Sweeper(new CacheAccessLog(_time, enabled: true)).SweepAsync(CancellationToken.None);

        // By commit time alone blobs/popular (the oldest) would go; its persisted access keeps it.
        Assert.Equal(["blobs/unpopular"], _bucket.Deleted);
        Assert.True(_bucket.Contains("blobs/popular"));
    }

    [Fact]
    public async Task Sweep_ForgetsObjectsThatLeftTheBucket()
    {
        var log = new CacheAccessLog(_time, enabled: true);
        _bucket.Add("blobs/a", 10, MinutesAgo(5));
        log.Touch("blobs/a");
        log.Touch("blobs/gone");
        _time.Advance(TimeSpan.FromSeconds(1));

        await Sweeper(log).SweepAsync(CancellationToken.None);

        Assert.NotNull(log.LastAccess("blobs/a"));
        Assert.Null(log.LastAccess("blobs/gone"));
    }
}
