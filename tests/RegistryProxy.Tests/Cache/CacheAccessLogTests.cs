using Edge.Functions;
using Edge.RegistryProxy.Cache;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Cache;

public sealed class CacheAccessLogTests
{
    [Fact]
    public void Touch_Disabled_RecordsNothing()
    {
        var log = new CacheAccessLog(new FakeTimeProvider(), enabled: false);

        log.Touch("blobs/sha256/aa/aa");

        Assert.Null(log.LastAccess("blobs/sha256/aa/aa"));
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void Touch_RecordsClockTime()
    {
        var time = new FakeTimeProvider();
        var log = new CacheAccessLog(time, enabled: true);

        log.Touch("blobs/a");
        time.Advance(TimeSpan.FromSeconds(3));
        log.Touch("blobs/a");

        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), log.LastAccess("blobs/a"));
    }

    [Fact]
    public async Task Persist_WritesOnlyEntriesTouchedSinceTheLastPersist()
    {
        var time = new FakeTimeProvider();
        var log = new CacheAccessLog(time, enabled: true);
        var store = new InMemoryKeyValueStore();
        log.Touch("blobs/a");
        log.Touch("manifests/m");
        time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal(2, await log.PersistAsync(store, CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await log.PersistAsync(store, CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));
        log.Touch("blobs/a");
        Assert.Equal(1, await log.PersistAsync(store, CancellationToken.None));

        Assert.Equal(3, store.Puts);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), await CacheAccessLog.ReadRecordAsync(store, "blobs/a", CancellationToken.None));
        Assert.Equal(["access/blobs/a", "access/manifests/m"], store.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Restore_KeepsTheNewerTimeAndIsNotPersistedAgain()
    {
        var time = new FakeTimeProvider();
        var log = new CacheAccessLog(time, enabled: true);
        var store = new InMemoryKeyValueStore();
        await log.PersistAsync(store, CancellationToken.None);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        log.Touch("blobs/touched");

        log.Restore("blobs/touched", now - 60_000);
        log.Restore("blobs/restored", now - 60_000);

        Assert.Equal(now, log.LastAccess("blobs/touched"));
        Assert.Equal(now - 60_000, log.LastAccess("blobs/restored"));
        Assert.Equal(1, await log.PersistAsync(store, CancellationToken.None));
    }

    [Fact]
    public async Task ReadRecord_AbsentOrGarbage_IsNull()
    {
        var store = new InMemoryKeyValueStore();
        await store.PutStringAsync("access/blobs/bad", "not a number");

        Assert.Null(await CacheAccessLog.ReadRecordAsync(store, "blobs/none", CancellationToken.None));
        Assert.Null(await CacheAccessLog.ReadRecordAsync(store, "blobs/bad", CancellationToken.None));
    }
}
