using Edge.Bindings.Disk;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

/// <summary>Keys on disk: a refused key creates nothing, a valid one is a file under objects/ (the key rules themselves are in the contract).</summary>
public sealed class DiskObjectBucketKeyTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly DiskObjectBucket bucket;

    public DiskObjectBucketKeyTests() =>
        bucket = new DiskObjectBucket(new DiskBucketOptions { RootPath = temp.Combine("root", "bucket") }, new FakeTimeProvider());

    public void Dispose() => temp.Dispose();

    [Theory]
    [MemberData(nameof(ObjectBucketContractTests.InvalidKeys), MemberType = typeof(ObjectBucketContractTests))]
    public async Task BeginPutAsync_InvalidKey_CreatesNothingOnDisk(string key, string expected)
    {
        _ = expected;
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync(key));

        Assert.Equal(["bucket"], Directory.EnumerateFileSystemEntries(temp.Combine("root")).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("root"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(ObjectBucketContractTests.ValidKeys), MemberType = typeof(ObjectBucketContractTests))]
    public async Task PutAsync_ValidKey_StoresUnderObjectsFolder(string key)
    {
        await bucket.PutAsync(key, new MemoryStream([42]));

        Assert.True(File.Exists(Path.Join(temp.Combine("root", "bucket", "objects"), key + DiskObjectBucket.DataSuffix)));
    }
}
