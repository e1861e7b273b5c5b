using System.Text;
using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

public sealed class DiskObjectBucketTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FakeTimeProvider time = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task PutAsync_ThenGetAsync_ReturnsSameBytesAndInfo()
    {
        var bucket = NewBucket();
        var data = StreamHelpers.Pattern(100_000);

        var committed = await bucket.PutAsync("blobs/sha256/abc", new MemoryStream(data), new ObjectPutOptions { ContentType = "application/octet-stream" });
        await using var body = await bucket.GetAsync("blobs/sha256/abc");

        Assert.NotNull(body);
        Assert.Equal(data, await StreamHelpers.ReadAllAsync(body.Content));
        Assert.Equal(0, body.Offset);
        Assert.Equal(data.Length, body.Length);
        Assert.Equal(data.Length, body.Info.Size);
        Assert.Equal("application/octet-stream", body.Info.ContentType);
        Assert.Equal(time.GetUtcNow(), body.Info.LastModified);
        Assert.Equal(committed, body.Info with { Metadata = committed.Metadata });
    }

    [Fact]
    public async Task PutAsync_EmptyObject_RoundTrips()
    {
        var bucket = NewBucket();

        await bucket.PutAsync("empty", new MemoryStream());
        await using var body = await bucket.GetAsync("empty");

        Assert.NotNull(body);
        Assert.Equal(0, body.Length);
        Assert.Empty(await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ReplacesObjectAndMetadata()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("k", new MemoryStream([1, 2, 3]), new ObjectPutOptions { ContentType = "a/old", Metadata = new Dictionary<string, string> { ["v"] = "1" } });
        time.Advance(TimeSpan.FromMinutes(1));

        await bucket.PutAsync("k", new MemoryStream([9]), new ObjectPutOptions { ContentType = "a/new" });
        var info = await bucket.HeadAsync("k");

        Assert.NotNull(info);
        Assert.Equal(1, info.Size);
        Assert.Equal("a/new", info.ContentType);
        Assert.Empty(info.Metadata);
        Assert.Equal(time.GetUtcNow(), info.LastModified);
    }

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        var bucket = NewBucket();

        Assert.Null(await bucket.GetAsync("nope"));
        Assert.Null(await bucket.GetAsync("deep/folder/nope"));
        Assert.Null(await bucket.HeadAsync("nope"));
    }

    [Fact]
    public async Task HeadAsync_AfterNewInstance_KeepsContentTypeMetadataAndTime()
    {
        var metadata = new Dictionary<string, string> { ["digest"] = "sha256:abc", ["upstream"] = "docker.io" };
        await NewBucket().PutAsync("m/x", new MemoryStream([1, 2]), new ObjectPutOptions { ContentType = "text/plain", Metadata = metadata });
        var committedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromHours(1));

        var info = await NewBucket().HeadAsync("m/x");

        Assert.NotNull(info);
        Assert.Equal("text/plain", info.ContentType);
        Assert.Equal(metadata, info.Metadata.ToDictionary());
        Assert.Equal(committedAt, info.LastModified);
        Assert.Equal(2, info.Size);
    }

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
    public async Task BeginPutAsync_OversizedMetadata_ThrowsArgumentException()
    {
        var bucket = NewBucket();
        var metadata = new Dictionary<string, string> { ["big"] = new string('x', 9000) };

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = metadata }));

        Assert.Contains("at most 8192", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Combine("bucket", "tmp")));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovesDataAndSidecarAndReturnsTrue()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("a/b", new MemoryStream([1]), new ObjectPutOptions { ContentType = "x/y" });

        Assert.True(await bucket.DeleteAsync("a/b"));

        Assert.Null(await bucket.HeadAsync("a/b"));
        Assert.False(File.Exists(temp.Combine("bucket", "objects", "a", "b" + DiskObjectBucket.DataSuffix)));
        Assert.False(File.Exists(temp.Combine("bucket", "meta", "a", "b" + DiskObjectBucket.SidecarSuffix)));
        Assert.False(await bucket.DeleteAsync("a/b"));
        Assert.False(await bucket.DeleteAsync("never/existed"));
    }

    [Fact]
    public async Task DeleteAsync_WhileReading_ReaderKeepsAllBytes()
    {
        var bucket = NewBucket();
        var data = StreamHelpers.Pattern(300_000);
        await bucket.PutAsync("k", new MemoryStream(data));
        await using var body = await bucket.GetAsync("k");
        Assert.NotNull(body);
        var first = await StreamHelpers.ReadAvailableAsync(body.Content, 1000);

        Assert.True(await bucket.DeleteAsync("k"));
        var rest = await StreamHelpers.ReadAllAsync(body.Content);

        Assert.Equal(data, first.Concat(rest).ToArray());
        Assert.Null(await bucket.HeadAsync("k"));
    }

    [Fact]
    public async Task PutAsync_KeyAndKeyAsFolder_BothExist()
    {
        var bucket = NewBucket();

        await bucket.PutAsync("a", new MemoryStream([1]));
        await bucket.PutAsync("a/b", new MemoryStream([2]));

        Assert.Equal(1, (await bucket.HeadAsync("a"))!.Size);
        Assert.Equal(1, (await bucket.HeadAsync("a/b"))!.Size);
        Assert.Equal(["a", "a/b"], await KeysAsync(bucket, string.Empty));
    }

    [Fact]
    public async Task ListAsync_Everything_ReturnsOrdinalOrder()
    {
        var bucket = NewBucket();
        string[] keys = ["b", "a/b", "a-c", "a.x", "a0", "A", "a/b/c", "a/a", "z/y/x", "_u"];
        foreach (var key in keys)
        {
            await bucket.PutAsync(key, new MemoryStream(Encoding.ASCII.GetBytes(key)));
        }

        var listed = await KeysAsync(bucket, string.Empty);

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyMatchingKeysWithInfo()
    {
        var bucket = NewBucket();
        foreach (var key in new[] { "blobs/sha256/aa1", "blobs/sha256/ab2", "blobs/sha256/b", "blobs/sha2", "manifests/x", "blobsx" })
        {
            await bucket.PutAsync(key, new MemoryStream([1, 2, 3]), new ObjectPutOptions { ContentType = "t/" + key.Length });
        }

        Assert.Equal(["blobs/sha256/aa1", "blobs/sha256/ab2"], await KeysAsync(bucket, "blobs/sha256/a"));
        Assert.Equal(["blobs/sha2", "blobs/sha256/aa1", "blobs/sha256/ab2", "blobs/sha256/b"], await KeysAsync(bucket, "blobs/sha2"));
        Assert.Equal(["blobs/sha2", "blobs/sha256/aa1", "blobs/sha256/ab2", "blobs/sha256/b"], await KeysAsync(bucket, "blobs/"));
        Assert.Empty(await KeysAsync(bucket, "nothing/"));
        Assert.Empty(await KeysAsync(bucket, "../"));
        Assert.Empty(await KeysAsync(bucket, "/blobs"));

        await foreach (var info in bucket.ListAsync("manifests/"))
        {
            Assert.Equal(3, info.Size);
            Assert.Equal("t/11", info.ContentType);
        }
    }

    [Fact]
    public async Task ListAsync_IgnoresUploadsInProgressAndDeletedObjects()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("kept", new MemoryStream([1]));
        await bucket.PutAsync("gone", new MemoryStream([1]));
        await bucket.DeleteAsync("gone");
        await using var upload = await bucket.BeginPutAsync("pending");
        await upload.Content.WriteAsync(new byte[] { 1, 2 });

        Assert.Equal(["kept"], await KeysAsync(bucket, string.Empty));
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
    public async Task PutAsync_WhileReadingOldVersion_ReaderKeepsOldBytes()
    {
        var bucket = NewBucket();
        var old = StreamHelpers.Pattern(100_000, 1);
        await bucket.PutAsync("k", new MemoryStream(old));
        await using var body = await bucket.GetAsync("k");
        Assert.NotNull(body);

        await bucket.PutAsync("k", new MemoryStream(StreamHelpers.Pattern(5, 2)));

        Assert.Equal(old, await StreamHelpers.ReadAllAsync(body.Content));
        Assert.Equal(5, (await bucket.HeadAsync("k"))!.Size);
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

    private static async Task<List<string>> KeysAsync(DiskObjectBucket bucket, string prefix)
    {
        var keys = new List<string>();
        await foreach (var info in bucket.ListAsync(prefix))
        {
            keys.Add(info.Key);
        }

        return keys;
    }
}
