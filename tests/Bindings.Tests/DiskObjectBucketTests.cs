using Edge.Bindings.Disk;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

/// <summary>The disk bucket: the whole contract (see <see cref="ObjectBucketContractTests"/>), and its files on disk.</summary>
public sealed class DiskObjectBucketTests : ObjectBucketContractTests, IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FakeTimeProvider time = new();

    public void Dispose() => temp.Dispose();

    protected override bool ListsDescriptions => true;

    protected override bool ReadsUploadsInProgress => true;

    /// <summary>A disk bucket lists one directory at a time, whatever the page size.</summary>
    protected override IObjectBucket OpenBucket(int? listPageSize = null) => NewBucket();

    protected override void AssertCommitTime(DateTimeOffset value) => Assert.Equal(time.GetUtcNow(), value);

    protected override void AdvanceClock(TimeSpan by) => time.Advance(by);

    [Fact]
    public Task PutAsync_KeyAndKeyAsFolder_BothExistInOrdinalOrder() => AssertKeyAndKeyAsFolderCoexistInOrdinalOrderAsync();

    [Fact]
    public Task CommitAsync_ManyConcurrentUploadsOfOneKey_AllSucceedAndOneWholeObjectRemains() => AssertManyConcurrentUploadsOfOneKeyLeaveOneWholeObjectAsync();

    [Fact]
    public async Task HeadAsync_SidecarFromAnotherWrite_IgnoresItsMetadata()
    {
        // A crash between the sidecar rename and the data rename leaves the new sidecar next to the old bytes.
        var bucket = NewBucket();
        await bucket.PutAsync("k", new MemoryStream([1, 2, 3]), new ObjectPutOptions { ContentType = "a/old" });
        var sidecar = temp.Combine("bucket", "meta", "k" + DiskObjectBucket.SidecarSuffix);
        await File.WriteAllTextAsync(sidecar, """{"contentType":"a/new","metadata":null,"committedAt":"2030-01-01T00:00:00+00:00","size":99}""");

        var info = await bucket.HeadAsync("k");

        Assert.NotNull(info);
        Assert.Equal(3, info.Size);
        Assert.Null(info.ContentType);
    }

    [Fact]
    public async Task HeadAsync_CorruptSidecar_ReturnsObjectWithoutMetadata()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("k", new MemoryStream([1]), new ObjectPutOptions { ContentType = "a/b" });
        await File.WriteAllTextAsync(temp.Combine("bucket", "meta", "k" + DiskObjectBucket.SidecarSuffix), "{not json");

        var info = await bucket.HeadAsync("k");

        Assert.NotNull(info);
        Assert.Null(info.ContentType);
    }

    [Fact]
    public async Task BeginPutAsync_OversizedMetadata_ThrowsArgumentExceptionAndLeavesNoTemporaryFile()
    {
        var bucket = NewBucket();
        var metadata = new Dictionary<string, string> { ["big"] = new string('x', 9000) };

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = metadata }));

        Assert.Contains("at most 8192", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Combine("bucket", "tmp")));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovesDataFileAndSidecar()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("a/b", new MemoryStream([1]), new ObjectPutOptions { ContentType = "x/y" });

        Assert.True(await bucket.DeleteAsync("a/b"));

        Assert.False(File.Exists(temp.Combine("bucket", "objects", "a", "b" + DiskObjectBucket.DataSuffix)));
        Assert.False(File.Exists(temp.Combine("bucket", "meta", "a", "b" + DiskObjectBucket.SidecarSuffix)));
    }

    [Fact]
    public async Task ListAsync_StrayFilesAndFolders_AreIgnored()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("real/one", new MemoryStream([1]));
        var objects = temp.Combine("bucket", "objects");
        await File.WriteAllBytesAsync(Path.Join(objects, "notes.txt"), [1]);
        await File.WriteAllBytesAsync(Path.Join(objects, "bad name" + DiskObjectBucket.DataSuffix), [1]);
        Directory.CreateDirectory(Path.Join(objects, "bad folder"));
        await File.WriteAllBytesAsync(Path.Join(objects, "bad folder", "x" + DiskObjectBucket.DataSuffix), [1]);

        Assert.Equal(["real/one"], await KeysAsync(bucket, string.Empty));
    }

    [Fact]
    public void Constructor_LeftoversInTmp_RemovesThem()
    {
        var tmp = temp.Combine("bucket", "tmp");
        Directory.CreateDirectory(Path.Join(tmp, "stray-folder"));
        File.WriteAllBytes(Path.Join(tmp, "crashed.upload"), [1, 2, 3]);
        File.WriteAllBytes(Path.Join(tmp, "stray-folder", "x"), [1]);

        _ = NewBucket();

        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
    }

    [Fact]
    public async Task Constructor_LeftoverUpload_NeverBecomesVisible()
    {
        var first = NewBucket();
        await using var upload = await first.BeginPutAsync("k");
        await upload.Content.WriteAsync(new byte[] { 1, 2, 3 });

        // A second instance stands in for the host restarting after a crash mid-write.
        var second = NewBucket();

        Assert.Null(await second.HeadAsync("k"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Combine("bucket", "tmp")));
        Assert.Empty(await KeysAsync(second, string.Empty));
    }

    private DiskObjectBucket NewBucket() => new(new DiskBucketOptions { RootPath = temp.Combine("bucket") }, time);
}
