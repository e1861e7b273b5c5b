using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

/// <summary>The contract against SQLite on a fake clock, plus what only the SQLite file has (persistence, purging, WAL).</summary>
public sealed class SqliteKeyValueStoreTests : KeyValueStoreContractTests, IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FakeTimeProvider time = new();
    private readonly List<SqliteKeyValueDatabase> extraDatabases = [];
    private readonly SqliteKeyValueDatabase database;
    private readonly SqliteKeyValueStore store;

    public SqliteKeyValueStoreTests()
    {
        database = NewDatabase();
        store = database.GetStore("main");
    }

    protected override IKeyValueStore Store => store;

    public void Dispose()
    {
        foreach (var extra in extraDatabases)
        {
            extra.Dispose();
        }

        database.Dispose();
        temp.Dispose();
    }

    protected override IKeyValueStore GetStore(string @namespace) => database.GetStore(@namespace);

    protected override IKeyValueStore StoreWithListPageSize(int pageSize, string @namespace)
    {
        var smallPages = NewDatabase(o => o.ListPageSize = pageSize);
        extraDatabases.Add(smallPages);
        return smallPages.GetStore(@namespace);
    }

    protected override Task LetExpireAsync(TimeSpan ttl)
    {
        time.Advance(ttl);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task GetAsync_AtTimeToLiveBoundary_ExpiresExactlyThen()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(29.999));
        Assert.NotNull(await store.GetAsync("k"));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_HugeTimeToLive_NeverExpires()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.MaxValue);
        time.Advance(TimeSpan.FromDays(3650));

        Assert.NotNull(await store.GetAsync("k"));
    }

    [Fact]
    public async Task ListKeysAsync_KeyExpiringWhileListed_IsListedUntilThen()
    {
        await store.PutAsync("b/expiring", new byte[] { 1 }, TimeSpan.FromSeconds(1));

        Assert.Equal(["b/expiring"], await KeysAsync(store, "b/"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await KeysAsync(store, "b/"));
    }

    [Fact]
    public async Task GetAsync_NewDatabaseInstance_SeesPersistedValuesAndExpiry()
    {
        await store.PutStringAsync("forever", "v");
        await store.PutStringAsync("brief", "v", TimeSpan.FromMinutes(1));
        database.Dispose();

        using var reopened = NewDatabase();
        var again = reopened.GetStore("main");

        Assert.Equal("v", await again.GetStringAsync("forever"));
        Assert.Equal("v", await again.GetStringAsync("brief"));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await again.GetAsync("brief"));
    }

    [Fact]
    public async Task PutAsync_AfterPurgeInterval_PurgesExpiredRowsOfAllNamespaces()
    {
        await store.PutAsync("old", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        await database.GetStore("other").PutAsync("old", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        Assert.Equal(2, CountRows());

        time.Advance(TimeSpan.FromMinutes(2));
        await store.PutAsync("new", new byte[] { 1 });

        Assert.Equal(1, CountRows());
    }

    [Fact]
    public async Task PutAsync_WithinPurgeInterval_LeavesExpiredRowsUntilDue()
    {
        await store.PutAsync("first", new byte[] { 1 });
        await store.PutAsync("old", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));

        await store.PutAsync("new", new byte[] { 1 });

        Assert.Equal(3, CountRows());
        Assert.Null(await store.GetAsync("old"));
    }

    [Fact]
    public void Constructor_Always_UsesWriteAheadLog()
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", command.ExecuteScalar());
    }

    private long CountRows()
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM kv";
        return (long)command.ExecuteScalar()!;
    }

    private SqliteKeyValueDatabase NewDatabase(Action<SqliteKeyValueOptions>? configure = null)
    {
        var options = new SqliteKeyValueOptions { DatabasePath = temp.Combine("kv", "edge.db") };
        configure?.Invoke(options);
        return new SqliteKeyValueDatabase(options, time);
    }
}
