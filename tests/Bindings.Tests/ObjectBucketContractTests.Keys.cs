using Edge.Functions;

namespace Edge.Bindings.Tests;

/// <summary>The contract's key rules: every store refuses the same keys, with the same reasons, and takes the same ones.</summary>
public abstract partial class ObjectBucketContractTests
{
    public static TheoryData<string, string> InvalidKeys => new()
    {
        { string.Empty, "empty" },
        { "../x", "'..' segment" },
        { "a/../../x", "'..' segment" },
        { "a/../b", "'..' segment" },
        { "..", "'..' segment" },
        { "a/./b", "'.' segment" },
        { ".", "'.' segment" },
        { "/abs", "starts or ends with '/'" },
        { "trailing/", "starts or ends with '/'" },
        { "a//b", "empty segment" },
        { "a\\b", "forbidden character U+005C at index 1" },
        { "a b", "forbidden character U+0020" },
        { "C:x", "forbidden character U+003A" },
        { "é", "forbidden character U+00E9" },
        { "a\0b", "forbidden character U+0000" },
        { "~obj", "forbidden character U+007E" },
        { "tilde~", "forbidden character U+007E" },
        { new string('a', 1025), "1025 characters long" },
    };

    public static TheoryData<string> ValidKeys => new()
    {
        "a",
        "blobs/sha256/0123abcdef",
        "A-Z_a.z/0-9",
        "...",
        ".hidden/x..y",
    };

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task BeginPutAsync_InvalidKey_ThrowsPreciseArgumentExceptionAndWritesNothing(string key, string expected)
    {
        var bucket = OpenBucket();

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync(key));

        Assert.Equal("key", ex.ParamName);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Empty(await KeysAsync(bucket, string.Empty));
    }

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task EveryOperation_InvalidKey_ThrowsArgumentException(string key, string expected)
    {
        _ = expected;
        var bucket = OpenBucket();

        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.HeadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.DeleteAsync(key));
    }

    [Fact]
    public async Task BeginPutAsync_NullKey_ThrowsArgumentNull()
    {
        var bucket = OpenBucket();

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await bucket.BeginPutAsync(null!));
    }

    [Theory]
    [MemberData(nameof(ValidKeys))]
    public async Task PutAsync_ValidKey_StoredAndListedUnderThatKey(string key)
    {
        var bucket = OpenBucket();

        await bucket.PutAsync(key, new MemoryStream([42]));

        Assert.Equal(1, (await bucket.HeadAsync(key))?.Size);
        Assert.Equal([key], await KeysAsync(bucket, string.Empty));
    }

    [Fact]
    public async Task PutAsync_LongestKey_Works()
    {
        // 1024 characters as 16 segments, staying within common file-name limits of 255 bytes per segment.
        var key = string.Join('/', Enumerable.Repeat(new string('k', 63), 16)) + "z";
        Assert.Equal(1024, key.Length);
        var bucket = OpenBucket();

        await bucket.PutAsync(key, new MemoryStream([1]));

        Assert.NotNull(await bucket.HeadAsync(key));
    }
}
