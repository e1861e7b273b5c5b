using System.Globalization;
using System.Text;
using Edge.Functions;
using Edge.Bindings.Redis;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;
using StackExchange.Redis;

namespace Edge.Bindings.Tests;

/// <summary>
/// The contract against a real <c>redis-server</c> (expiry is Redis's own, so TTL tests wait out short real TTLs),
/// plus the Redis layout: prefixes, namespace encoding, the listing index and its sweeping, one shared connection.
/// </summary>
public sealed class RedisKeyValueStoreTests : KeyValueStoreContractTests, IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly RedisServer server;
    private readonly string prefix = "test-" + Guid.NewGuid().ToString("N")[..12] + ":";
    private readonly List<RedisKeyValueDatabase> databases = [];
    private readonly RedisKeyValueDatabase database;

    public RedisKeyValueStoreTests(RedisServerFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        server = fixture.Server;
        database = NewDatabase();
    }

    protected override IKeyValueStore Store => database.GetStore("main");

    public void Dispose()
    {
        foreach (var each in databases)
        {
            each.Dispose();
        }
    }

    protected override IKeyValueStore GetStore(string @namespace) => database.GetStore(@namespace);

    protected override IKeyValueStore StoreWithListPageSize(int pageSize, string @namespace) =>
        NewDatabase(listPageSize: pageSize).GetStore(@namespace);

    // Redis expires a key once its time has passed; a little slack covers timer granularity.
    protected override Task LetExpireAsync(TimeSpan ttl) => Task.Delay(ttl + TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task PutAsync_Always_WritesDocumentedLayoutUnderPrefix()
    {
        await database.GetStore("registry").PutStringAsync("tag/docker/library/alpine:3", "v", TimeSpan.FromHours(1));

        var value = await database.RawAsync("GET", prefix + "kv:8:registry:tag/docker/library/alpine:3");
        var ttl = await database.RawAsync("PTTL", prefix + "kv:8:registry:tag/docker/library/alpine:3");
        var index = await database.RawAsync("ZRANGE", prefix + "kx:8:registry", 0, -1);
        var score = await database.RawAsync("ZSCORE", prefix + "kx:8:registry", "tag/docker/library/alpine:3");

        Assert.Equal("v", (string?)value);
        Assert.InRange((long)ttl, 3_500_000, 3_600_000);
        Assert.Equal(["tag/docker/library/alpine:3"], Strings(index));
        Assert.Equal(0, (double)score);
    }

    [Fact]
    public async Task GetStore_NamespacesWithSeparators_NeverCollide()
    {
        var outer = database.GetStore("a");
        var inner = database.GetStore("a:b");
        var unicode = database.GetStore("é");
        await outer.PutStringAsync("b:c", "outer");
        await inner.PutStringAsync("c", "inner");
        await unicode.PutStringAsync("x", "unicode");

        Assert.Equal("outer", await outer.GetStringAsync("b:c"));
        Assert.Equal("inner", await inner.GetStringAsync("c"));
        Assert.Null(await outer.GetAsync("b:c:"));
        Assert.Null(await inner.GetAsync("b:c"));
        Assert.Equal(["b:c"], await KeysAsync(outer, string.Empty));
        Assert.Equal(["c"], await KeysAsync(inner, string.Empty));
        Assert.Equal(1, (long)await database.RawAsync("EXISTS", prefix + "kv:2:é:x"));
    }

    [Fact]
    public async Task GetAsync_OtherKeyPrefix_SeesNothingOfThisOne()
    {
        using var other = new RedisKeyValueDatabase(new RedisKeyValueOptions { Hosts = [new("127.0.0.1", server.Port)], KeyPrefix = "other-" + prefix }, TimeProvider.System);
        await Store.PutStringAsync("k", "mine");

        Assert.Null(await other.GetStore("main").GetAsync("k"));
        Assert.Empty(await KeysAsync(other.GetStore("main"), string.Empty));
        Assert.False(await other.GetStore("main").DeleteAsync("k"));
        Assert.Equal("mine", await Store.GetStringAsync("k"));
    }

    [Fact]
    public async Task ListKeysAsync_ExpiredEntries_LeaveTheIndex()
    {
        await Store.PutAsync("live", new byte[] { 1 });
        await Store.PutAsync("brief", new byte[] { 1 }, ShortTtl);
        Assert.Equal(["brief", "live"], await KeysAsync(Store, string.Empty));
        await LetExpireAsync(ShortTtl);

        Assert.Equal(["live"], await KeysAsync(Store, string.Empty));

        Assert.Equal(1, (long)await database.RawAsync("ZCARD", prefix + "kx:4:main"));
    }

    [Fact]
    public async Task PutAsync_PurgeDue_SweepsExpiredEntriesOfKeysNeverListed()
    {
        var sweeping = NewDatabase(purgeInterval: TimeSpan.Zero, purgeBatchSize: 3).GetStore("swept");
        for (var i = 0; i < 5; i++)
        {
            await sweeping.PutAsync($"old{i}", new byte[] { 1 }, ShortTtl);
        }

        await LetExpireAsync(ShortTtl);

        // Each put sweeps the next batch of three entries from where the last sweep stopped, wrapping at the end.
        await sweeping.PutAsync("new1", new byte[] { 1 });
        await sweeping.PutAsync("new2", new byte[] { 1 });
        await sweeping.PutAsync("new3", new byte[] { 1 });

        var index = await database.RawAsync("ZRANGE", prefix + "kx:5:swept", 0, -1);
        Assert.Equal(["new1", "new2", "new3"], Strings(index));
    }

    [Fact]
    public async Task Operations_InSequence_ShareOneConnection()
    {
        await Store.PutStringAsync("warm", "up");
        var before = await server.ConnectionsReceivedAsync();
        var id = await database.ConnectionIdAsync();

        for (var i = 0; i < 50; i++)
        {
            await Store.PutStringAsync("k", i.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), await Store.GetStringAsync("k"));
            await KeysAsync(Store, "k");
        }

        Assert.Equal(before, await server.ConnectionsReceivedAsync());
        Assert.Equal(id, await database.ConnectionIdAsync());
    }

    [Fact]
    public async Task Operations_ManyConcurrentCallers_ShareOneConnection()
    {
        var fresh = NewDatabase();
        var store = fresh.GetStore("main");
        var before = await server.ConnectionsReceivedAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var key = "c" + i.ToString(CultureInfo.InvariantCulture);
            await store.PutStringAsync(key, key);
            Assert.Equal(key, await store.GetStringAsync(key));
        })));

        Assert.Equal(40, (await KeysAsync(store, "c")).Count);
        // The forty callers opened the new database's one connection between them.
        Assert.Equal(before + 1, await server.ConnectionsReceivedAsync());
    }

    [Fact]
    public async Task ListKeysAsync_Repeatedly_SendsTheScriptOnceThenItsHash()
    {
        await Store.PutStringAsync("k", "v");
        Assert.Equal(["k"], await KeysAsync(Store, string.Empty));
        var (evals, evalShas) = (await server.CommandCallsAsync("EVAL"), await server.CommandCallsAsync("EVALSHA"));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(["k"], await KeysAsync(Store, string.Empty));
        }

        Assert.Equal(evals, await server.CommandCallsAsync("EVAL"));
        Assert.Equal(evalShas + 5, await server.CommandCallsAsync("EVALSHA"));
    }

    [Fact]
    public async Task ListKeysAsync_ScriptFlushedOnTheServer_LoadsItAgain()
    {
        await Store.PutStringAsync("k", "v");
        Assert.Equal(["k"], await KeysAsync(Store, string.Empty));

        Assert.Equal("OK", (string?)await database.RawAsync("SCRIPT", "FLUSH"));

        Assert.Equal(["k"], await KeysAsync(Store, string.Empty));
    }

    [Fact]
    public async Task Dispose_ThenOperation_ThrowsObjectDisposed()
    {
        var disposable = NewDatabase();
        await disposable.GetStore("main").PutStringAsync("k", "v");

        disposable.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await disposable.GetStore("main").GetAsync("k"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await disposable.GetStore("main").PutStringAsync("k", "v"));
    }

    private static List<string> Strings(RedisResult reply) => [.. ((RedisResult[])reply!).Select(item => (string)item!)];

    private RedisKeyValueDatabase NewDatabase(int listPageSize = 500, TimeSpan? purgeInterval = null, int purgeBatchSize = 500)
    {
        var created = new RedisKeyValueDatabase(
            new RedisKeyValueOptions
            {
                Hosts = [new("127.0.0.1", server.Port)],
                KeyPrefix = prefix,
                ListPageSize = listPageSize,
                PurgeInterval = purgeInterval ?? TimeSpan.FromMinutes(1),
                PurgeBatchSize = purgeBatchSize,
            },
            TimeProvider.System);
        databases.Add(created);
        return created;
    }
}
