using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

public sealed class DiskObjectBucketKeyTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly DiskObjectBucket bucket;

    public DiskObjectBucketKeyTests() =>
        bucket = new DiskObjectBucket(new DiskBucketOptions { RootPath = temp.Combine("root", "bucket") }, new FakeTimeProvider());

    public void Dispose() => temp.Dispose();

    public static TheoryData<string, string> InvalidKeys => new()
    {
        { string.Empty, "empty" },
        { "../x", "'..' segment" },
        { "a/../../x", "'..' segment" },
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
        { new string('a', 1025), "1025 characters long" },
    };

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task BeginPutAsync_InvalidKey_ThrowsPreciseArgumentExceptionAndCreatesNothing(string key, string expected)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync(key));

        Assert.Equal("key", ex.ParamName);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(["bucket"], Directory.EnumerateFileSystemEntries(temp.Combine("root")).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("root"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task EveryOperation_InvalidKey_ThrowsArgumentException(string key, string expected)
    {
        _ = expected;
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.HeadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.DeleteAsync(key));
    }

    [Fact]
    public async Task BeginPutAsync_NullKey_ThrowsArgumentNull()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await bucket.BeginPutAsync(null!));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("blobs/sha256/0123abcdef")]
    [InlineData("A-Z_a.z/0-9")]
    [InlineData("...")]
    [InlineData(".hidden/x..y")]
    public async Task PutAsync_ValidKey_StoresUnderObjectsFolder(string key)
    {
        await bucket.PutAsync(key, new MemoryStream([42]));

        Assert.NotNull(await bucket.HeadAsync(key));
        Assert.True(File.Exists(Path.Join(temp.Combine("root", "bucket", "objects"), key + DiskObjectBucket.DataSuffix)));
    }

    [Fact]
    public async Task PutAsync_LongestKey_Works()
    {
        // 1024 characters as 16 segments, staying within common file-name limits of 255 bytes per segment.
        var key = string.Join('/', Enumerable.Repeat(new string('k', 63), 16)) + "z";
        Assert.Equal(1024, key.Length);

        await bucket.PutAsync(key, new MemoryStream([1]));

        Assert.NotNull(await bucket.HeadAsync(key));
    }
}
