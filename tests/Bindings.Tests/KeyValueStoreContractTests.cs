using System.Text;
using Edge.Functions;
using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;

namespace Edge.Bindings.Tests;

/// <summary>
/// The <see cref="IKeyValueStore"/> contract, run against every backend by a subclass each. Expiry tests use
/// <see cref="ShortTtl"/> and <see cref="LetExpireAsync"/>, which a backend on a fake clock advances and one on
/// a real server waits out.
/// </summary>
public abstract class KeyValueStoreContractTests
{
    /// <summary>The TTL of keys that expire within a test.</summary>
    protected static readonly TimeSpan ShortTtl = TimeSpan.FromMilliseconds(200);

    /// <summary>The store under test: namespace <c>main</c>.</summary>
    protected abstract IKeyValueStore Store { get; }

    /// <summary>Another namespace of the same backend (the same instance for the same name).</summary>
    protected abstract IKeyValueStore GetStore(string @namespace);

    /// <summary>A store of a fresh backend instance over the same data, reading <paramref name="pageSize"/> keys per listing page.</summary>
    protected abstract IKeyValueStore StoreWithListPageSize(int pageSize, string @namespace);

    /// <summary>Lets at least <paramref name="ttl"/> pass for the backend.</summary>
    protected abstract Task LetExpireAsync(TimeSpan ttl);

    [Fact]
    public async Task PutAsync_ThenGetAsync_ReturnsValue()
    {
        await Store.PutAsync("k", new byte[] { 1, 2, 3 });

        Assert.Equal([1, 2, 3], await Store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_EmptyValue_RoundTripsAsEmptyNotNull()
    {
        await Store.PutAsync("k", ReadOnlyMemory<byte>.Empty);

        var value = await Store.GetAsync("k");
        Assert.NotNull(value);
        Assert.Empty(value);
    }

    [Fact]
    public async Task PutAsync_SliceOfLargerArray_StoresOnlyTheSlice()
    {
        var array = new byte[] { 0, 1, 2, 3, 4 };

        await Store.PutAsync("k", array.AsMemory(1, 3));

        Assert.Equal([1, 2, 3], await Store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_Overwrites()
    {
        await Store.PutStringAsync("k", "one");
        await Store.PutStringAsync("k", "two");

        Assert.Equal("two", await Store.GetStringAsync("k"));
    }

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync("missing"));
    }

    [Fact]
    public async Task GetAsync_AfterTimeToLive_ReturnsNull()
    {
        await Store.PutAsync("brief", new byte[] { 1 }, ShortTtl);
        await Store.PutAsync("long", new byte[] { 2 }, TimeSpan.FromHours(1));

        await LetExpireAsync(ShortTtl);

        Assert.Null(await Store.GetAsync("brief"));
        Assert.Equal([2], await Store.GetAsync("long"));
    }

    [Fact]
    public async Task PutAsync_WithoutTimeToLiveOverExpiringKey_ClearsExpiry()
    {
        await Store.PutAsync("k", new byte[] { 1 }, ShortTtl);
        await Store.PutAsync("k", new byte[] { 2 });

        await LetExpireAsync(ShortTtl);

        Assert.Equal([2], await Store.GetAsync("k"));
    }

    [Fact]
    public async Task PutAsync_OverExpiredKey_RevivesIt()
    {
        await Store.PutAsync("k", new byte[] { 1 }, ShortTtl);
        await LetExpireAsync(ShortTtl);

        await Store.PutAsync("k", new byte[] { 2 }, TimeSpan.FromHours(1));

        Assert.Equal([2], await Store.GetAsync("k"));
        Assert.Equal(["k"], await KeysAsync(Store, "k"));
    }

    [Fact]
    public async Task PutAsync_HugeTimeToLive_Accepted()
    {
        await Store.PutAsync("k", new byte[] { 1 }, TimeSpan.MaxValue);

        Assert.Equal([1], await Store.GetAsync("k"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task PutAsync_NonPositiveTimeToLive_ThrowsArgumentOutOfRange(int seconds)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.PutAsync("k", new byte[] { 1 }, TimeSpan.FromSeconds(seconds)));
        Assert.Null(await Store.GetAsync("k"));
    }

    [Fact]
    public async Task DeleteAsync_LiveKey_ReturnsTrueAndRemoves()
    {
        await Store.PutAsync("k", new byte[] { 1 });

        Assert.True(await Store.DeleteAsync("k"));
        Assert.Null(await Store.GetAsync("k"));
        Assert.False(await Store.DeleteAsync("k"));
        Assert.Empty(await KeysAsync(Store, string.Empty));
    }

    [Fact]
    public async Task DeleteAsync_ExpiredOrMissingKey_ReturnsFalse()
    {
        await Store.PutAsync("k", new byte[] { 1 }, ShortTtl);
        await LetExpireAsync(ShortTtl);

        Assert.False(await Store.DeleteAsync("k"));
        Assert.False(await Store.DeleteAsync("never"));
    }

    [Fact]
    public async Task ListKeysAsync_Prefix_ReturnsOrdinalOrderWithoutExpired()
    {
        foreach (var key in new[] { "b/2", "a", "b/10", "b/1", "B/1", "b", "c" })
        {
            await Store.PutAsync(key, new byte[] { 1 });
        }

        await Store.PutAsync("b/expiring", new byte[] { 1 }, ShortTtl);
        await LetExpireAsync(ShortTtl);

        Assert.Equal(["b/1", "b/10", "b/2"], await KeysAsync(Store, "b/"));
        Assert.Equal(["B/1", "a", "b", "b/1", "b/10", "b/2", "c"], await KeysAsync(Store, string.Empty));
        Assert.Empty(await KeysAsync(Store, "zzz"));
    }

    [Fact]
    public async Task ListKeysAsync_PrefixWithPatternCharacters_MatchesLiterally()
    {
        foreach (var key in new[] { "100%", "100%/a", "1000", "100x", "a_b", "a_c", "axb", "A_B", "a%b", "[a", "(a", "-", "+", "a*", "ab" })
        {
            await Store.PutAsync(key, new byte[] { 1 });
        }

        Assert.Equal(["100%", "100%/a"], await KeysAsync(Store, "100%"));
        Assert.Equal(["a_b", "a_c"], await KeysAsync(Store, "a_"));
        Assert.Equal(["a%b"], await KeysAsync(Store, "a%"));
        Assert.Equal(["A_B"], await KeysAsync(Store, "A"));
        Assert.Equal(["[a"], await KeysAsync(Store, "["));
        Assert.Equal(["(a"], await KeysAsync(Store, "("));
        Assert.Equal(["-"], await KeysAsync(Store, "-"));
        Assert.Equal(["+"], await KeysAsync(Store, "+"));
        Assert.Equal(["a*"], await KeysAsync(Store, "a*"));
    }

    [Fact]
    public async Task ListKeysAsync_NonAsciiAndMaximalCharacters_MatchesPrefixExactly()
    {
        var max = char.ConvertFromUtf32(0x10FFFF);
        string[] keys = ["é", "éa", "é" + max, "é" + max + "x", "ê", "\uD7FF", "\uE000", "日本/1", "日本/2", "日本語"];
        foreach (var key in keys)
        {
            await Store.PutAsync(key, new byte[] { 1 });
        }

        Assert.Equal(["é", "éa", "é" + max, "é" + max + "x"], await KeysAsync(Store, "é"));
        Assert.Equal(["é" + max, "é" + max + "x"], await KeysAsync(Store, "é" + max));
        Assert.Equal(["\uD7FF"], await KeysAsync(Store, "\uD7FF"));
        Assert.Equal(["日本/1", "日本/2"], await KeysAsync(Store, "日本/"));
    }

    [Fact]
    public async Task ListKeysAsync_MoreKeysThanOnePage_ReturnsAllInOrder()
    {
        var paged = StoreWithListPageSize(7, "paged");
        var expected = Enumerable.Range(0, 50).Select(i => $"k{i:D3}").ToList();
        foreach (var key in expected.AsEnumerable().Reverse())
        {
            await paged.PutAsync(key, new byte[] { 1 });
        }

        await paged.PutAsync("other", new byte[] { 1 });

        Assert.Equal(expected, await KeysAsync(paged, "k"));
        Assert.Equal(51, (await KeysAsync(paged, string.Empty)).Count);
    }

    [Fact]
    public async Task GetStore_DifferentNamespaces_AreIsolated()
    {
        var other = GetStore("other");
        await Store.PutStringAsync("k", "main");
        await other.PutStringAsync("k", "other");
        await other.PutStringAsync("only-other", "x");

        Assert.Equal("main", await Store.GetStringAsync("k"));
        Assert.Equal("other", await other.GetStringAsync("k"));
        Assert.Null(await Store.GetAsync("only-other"));
        Assert.Equal(["k"], await KeysAsync(Store, string.Empty));
        Assert.True(await other.DeleteAsync("k"));
        Assert.Equal("main", await Store.GetStringAsync("k"));
        Assert.Same(other, GetStore("other"));
    }

    [Fact]
    public async Task PutAsync_MaximumSizes_Accepted()
    {
        var key = new string('k', KeyValueKeys.MaxKeyBytes);
        var value = new byte[IKeyValueStore.MaxValueBytes];
        value[^1] = 7;

        await Store.PutAsync(key, value);

        Assert.Equal(value, await Store.GetAsync(key));
    }

    [Fact]
    public async Task PutAsync_ValueTooLarge_ThrowsArgumentException()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await Store.PutAsync("k", new byte[IKeyValueStore.MaxValueBytes + 1]));

        Assert.Equal("value", ex.ParamName);
    }

    [Fact]
    public async Task PutAsync_KeyTooLargeInUtf8_ThrowsArgumentException()
    {
        // 256 characters, 512 bytes: accepted; one more two-byte character is not.
        await Store.PutAsync(new string('é', 256), new byte[] { 1 });

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await Store.PutAsync(new string('é', 257), new byte[] { 1 }));
        Assert.Contains("514 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryOperation_EmptyOrLoneSurrogateKey_ThrowsArgumentException()
    {
        // Not theory data: xunit's serialization of test cases replaces lone surrogates.
        foreach (var key in new[] { string.Empty, "\uD800", "a\uDC00b" })
        {
            await Assert.ThrowsAsync<ArgumentException>(async () => await Store.PutAsync(key, new byte[] { 1 }));
            await Assert.ThrowsAsync<ArgumentException>(async () => await Store.GetAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await Store.DeleteAsync(key));
        }

        await Assert.ThrowsAsync<ArgumentException>(async () => await KeysAsync(Store, "\uD800"));
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
                await Store.PutAsync(key, value, i % 2 == 0 ? null : TimeSpan.FromHours(1));
                Assert.Equal(value, await Store.GetAsync(key));
                await Store.PutStringAsync("shared", $"{t}:{i}");
            }
        }));

        await Task.WhenAll(workers);

        for (var t = 0; t < Tasks; t++)
        {
            var keys = await KeysAsync(Store, $"t{t}/");
            Assert.Equal(Operations, keys.Count);
        }

        Assert.Matches(@"^\d+:199$", await Store.GetStringAsync("shared"));
    }

    /// <summary>Every key <paramref name="kv"/> lists under <paramref name="prefix"/>, in order.</summary>
    protected static async Task<List<string>> KeysAsync(IKeyValueStore kv, string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in kv.ListKeysAsync(prefix))
        {
            keys.Add(key);
        }

        return keys;
    }
}
