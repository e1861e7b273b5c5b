using System.Text;
using Edge.Functions;
using Edge.Host.Bindings;
using Edge.Host.Tests.TestSupport;

namespace Edge.Host.Tests.Bindings;

public sealed class SqliteKeyValueStoreTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly ManualTimeProvider time = new();
    private readonly SqliteKeyValueDatabase database;
    private readonly SqliteKeyValueStore store;

    public SqliteKeyValueStoreTests()
    {
        database = NewDatabase();
        store = database.GetStore("main");
    }

    public void Dispose()
    {
        database.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task PutAsync_ThenGetAsync_ReturnsValue()
    {
        await store.PutAsync("k", new byte[] { 1, 2, 3 });

        Assert.Equal([1, 2, 3], await store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_EmptyValue_RoundTripsAsEmptyNotNull()
    {
        await store.PutAsync("k", ReadOnlyMemory<byte>.Empty);

        var value = await store.GetAsync("k");
        Assert.NotNull(value);
        Assert.Empty(value);
    }

    [Fact]
    public async Task PutAsync_SliceOfLargerArray_StoresOnlyTheSlice()
    {
        var array = new byte[] { 0, 1, 2, 3, 4 };

        await store.PutAsync("k", array.AsMemory(1, 3));

        Assert.Equal([1, 2, 3], await store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_Overwrites()
    {
        await store.PutStringAsync("k", "one");
        await store.PutStringAsync("k", "two");

        Assert.Equal("two", await store.GetStringAsync("k"));
    }

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await store.GetAsync("missing"));
    }

    [Fact]
    public async Task GetAsync_AfterTimeToLive_ReturnsNull()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(29.999));
        Assert.NotNull(await store.GetAsync("k"));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_WithoutTimeToLiveOverExpiringKey_ClearsExpiry()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(10));
        await store.PutAsync("k", new byte[] { 2 });

        time.Advance(TimeSpan.FromDays(365));

        Assert.Equal([2], await store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_OverExpiredKey_RevivesIt()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));

        await store.PutAsync("k", new byte[] { 2 }, TimeSpan.FromSeconds(5));

        Assert.Equal([2], await store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_HugeTimeToLive_NeverExpires()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.MaxValue);
        time.Advance(TimeSpan.FromDays(3650));

        Assert.NotNull(await store.GetAsync("k"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task PutAsync_NonPositiveTimeToLive_ThrowsArgumentOutOfRange(int seconds)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(seconds)));
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task DeleteAsync_LiveKey_ReturnsTrueAndRemoves()
    {
        await store.PutAsync("k", new byte[] { 1 });

        Assert.True(await store.DeleteAsync("k"));
        Assert.Null(await store.GetAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
    }

    [Fact]
    public async Task DeleteAsync_ExpiredOrMissingKey_ReturnsFalse()
    {
        await store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await store.DeleteAsync("k"));
        Assert.False(await store.DeleteAsync("never"));
    }

    [Fact]
    public async Task ListKeysAsync_Prefix_ReturnsOrdinalOrderWithoutExpired()
    {
        foreach (var key in new[] { "b/2", "a", "b/10", "b/1", "B/1", "b", "c" })
        {
            await store.PutAsync(key, new byte[] { 1 });
        }

        await store.PutAsync("b/expiring", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        Assert.Contains("b/expiring", await KeysAsync(store, "b/"));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["b/1", "b/10", "b/2"], await KeysAsync(store, "b/"));
        Assert.Equal(["B/1", "a", "b", "b/1", "b/10", "b/2", "c"], await KeysAsync(store, string.Empty));
        Assert.Empty(await KeysAsync(store, "zzz"));
    }

    [Fact]
    public async Task ListKeysAsync_PrefixWithLikeWildcards_MatchesLiterally()
    {
        foreach (var key in new[] { "100%", "100%/a", "1000", "100x", "a_b", "a_c", "axb", "A_B", "a%b" })
        {
            await store.PutAsync(key, new byte[] { 1 });
        }

        Assert.Equal(["100%", "100%/a"], await KeysAsync(store, "100%"));
        Assert.Equal(["a_b", "a_c"], await KeysAsync(store, "a_"));
        Assert.Equal(["a%b"], await KeysAsync(store, "a%"));
        Assert.Equal(["A_B"], await KeysAsync(store, "A"));
    }

    [Fact]
    public async Task ListKeysAsync_NonAsciiAndMaximalCharacters_MatchesPrefixExactly()
    {
        var max = char.ConvertFromUtf32(0x10FFFF);
        string[] keys = ["é", "éa", "é" + max, "é" + max + "x", "ê", "\uD7FF", "\uE000", "日本/1", "日本/2", "日本語"];
        foreach (var key in keys)
        {
            await store.PutAsync(key, new byte[] { 1 });
        }

        Assert.Equal(["é", "éa", "é" + max, "é" + max + "x"], await KeysAsync(store, "é"));
        Assert.Equal(["é" + max, "é" + max + "x"], await KeysAsync(store, "é" + max));
        Assert.Equal(["\uD7FF"], await KeysAsync(store, "\uD7FF"));
        Assert.Equal(["日本/1", "日本/2"], await KeysAsync(store, "日本/"));
    }

    [Fact]
    public async Task ListKeysAsync_MoreKeysThanOnePage_ReturnsAllInOrder()
    {
        using var smallPages = NewDatabase(o => o.ListPageSize = 7);
        var paged = smallPages.GetStore("paged");
        var expected = Enumerable.Range(0, 50).Select(i => $"k{i:D3}").ToList();
        foreach (var key in expected.AsEnumerable().Reverse())
        {
            await paged.PutAsync(key, new byte[] { 1 });
        }

        await paged.PutAsync("other", new byte[] { 1 });

        Assert.Equal(expected, await KeysAsync(paged, "k"));
    }

    [Fact]
    public async Task GetStore_DifferentNamespaces_AreIsolated()
    {
        var other = database.GetStore("other");
        await store.PutStringAsync("k", "main");
        await other.PutStringAsync("k", "other");
        await other.PutStringAsync("only-other", "x");

        Assert.Equal("main", await store.GetStringAsync("k"));
        Assert.Equal("other", await other.GetStringAsync("k"));
        Assert.Null(await store.GetAsync("only-other"));
        Assert.Equal(["k"], await KeysAsync(store, string.Empty));
        Assert.True(await other.DeleteAsync("k"));
        Assert.Equal("main", await store.GetStringAsync("k"));
        Assert.Same(other, database.GetStore("other"));
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
    public async Task PutAsync_MaximumSizes_Accepted()
    {
        var key = new string('k', KeyValueKeys.MaxKeyBytes);
        var value = new byte[IKeyValueStore.MaxValueBytes];
        value[^1] = 7;

        await store.PutAsync(key, value);

        Assert.Equal(value, await store.GetAsync(key));
    }

    [Fact]
    public async Task PutAsync_ValueTooLarge_ThrowsArgumentException()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync("k", new byte[IKeyValueStore.MaxValueBytes + 1]));

        Assert.Equal("value", ex.ParamName);
    }

    [Fact]
    public async Task PutAsync_KeyTooLargeInUtf8_ThrowsArgumentException()
    {
        // 256 characters, 512 bytes: accepted; one more two-byte character is not.
        await store.PutAsync(new string('é', 256), new byte[] { 1 });

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync(new string('é', 257), new byte[] { 1 }));
        Assert.Contains("514 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryOperation_EmptyOrLoneSurrogateKey_ThrowsArgumentException()
    {
        // Not theory data: xunit's serialization of test cases replaces lone surrogates.
        foreach (var key in new[] { string.Empty, "\uD800", "a\uDC00b" })
        {
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync(key, new byte[] { 1 }));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.DeleteAsync(key));
        }

        await Assert.ThrowsAsync<ArgumentException>(async () => await KeysAsync(store, "\uD800"));
    }

    [Fact]
    public async Task ConcurrentTasks_PutAndGet_AllConsistent()
    {
        const int Tasks = 16;
        const int Operations = 200;
        var workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < Operations; i++)
            {
                var key = $"t{t}/k{i}";
                var value = Encoding.UTF8.GetBytes($"{t}:{i}");
                await store.PutAsync(key, value, i % 2 == 0 ? null : TimeSpan.FromHours(1));
                Assert.Equal(value, await store.GetAsync(key));
                await store.PutStringAsync("shared", $"{t}:{i}");
            }
        }));

        await Task.WhenAll(workers);

        for (var t = 0; t < Tasks; t++)
        {
            var keys = await KeysAsync(store, $"t{t}/");
            Assert.Equal(Operations, keys.Count);
        }

        Assert.Matches(@"^\d+:199$", await store.GetStringAsync("shared"));
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

    private static async Task<List<string>> KeysAsync(SqliteKeyValueStore kv, string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in kv.ListKeysAsync(prefix))
        {
            keys.Add(key);
        }

        return keys;
    }
}
