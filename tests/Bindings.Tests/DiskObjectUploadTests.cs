using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

public sealed class DiskObjectUploadTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FakeTimeProvider time = new();
    private readonly DiskObjectBucket bucket;

    public DiskObjectUploadTests() =>
        bucket = new DiskObjectBucket(new DiskBucketOptions { RootPath = temp.Combine("bucket") }, time);

    public void Dispose() => temp.Dispose();

    private string TmpDirectory => temp.Combine("bucket", "tmp");

    [Fact]
    public async Task DisposeAsync_WithoutCommit_LeavesNothing()
    {
        await using (var upload = await bucket.BeginPutAsync("a/b"))
        {
            await upload.Content.WriteAsync(StreamHelpers.Pattern(50_000));
            Assert.Single(Directory.EnumerateFiles(TmpDirectory));
        }

        Assert.Null(await bucket.HeadAsync("a/b"));
        Assert.Null(await bucket.GetAsync("a/b"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("bucket", "objects"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("bucket", "meta"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_KeepsPreviousObject()
    {
        await bucket.PutAsync("k", new MemoryStream([1, 2, 3]));

        await using (var upload = await bucket.BeginPutAsync("k"))
        {
            await upload.Content.WriteAsync(new byte[] { 9, 9 });
        }

        await using var body = await bucket.GetAsync("k");
        Assert.Equal([1, 2, 3], await StreamHelpers.ReadAllAsync(body!.Content));
    }

    [Fact]
    public async Task CommitAsync_BeforeCommit_ObjectIsInvisible()
    {
        await using var upload = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "a/b" });
        for (var i = 0; i < 10; i++)
        {
            await upload.Content.WriteAsync(StreamHelpers.Pattern(10_000, i));
            Assert.Null(await bucket.HeadAsync("k"));
            Assert.Null(await bucket.GetAsync("k"));
        }

        var info = await upload.CommitAsync();

        var head = await bucket.HeadAsync("k");
        Assert.NotNull(head);
        Assert.Equal(100_000, head.Size);
        Assert.Equal(100_000, info.Size);
        Assert.Equal("a/b", head.ContentType);
        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
    }

    [Fact]
    public async Task CommitAsync_Twice_ThrowsInvalidOperation()
    {
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.CommitAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());
        Assert.Contains("already committed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_WriteAfterCommit_ThrowsInvalidOperation()
    {
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.Content.WriteAsync(new byte[] { 1 });
        await upload.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.Content.WriteAsync(new byte[] { 2 }));
        Assert.Throws<InvalidOperationException>(() => upload.Content.Write([2], 0, 1));
        Assert.Equal(1, (await bucket.HeadAsync("k"))!.Size);
    }

    [Fact]
    public async Task CommitAsync_AfterDispose_ThrowsInvalidOperation()
    {
        var upload = await bucket.BeginPutAsync("k");
        await upload.DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.Content.WriteAsync(new byte[] { 1 }));
        Assert.Null(await bucket.HeadAsync("k"));
    }

    [Fact]
    public async Task CommitAsync_Cancelled_DiscardsUploadAndKeepsNothing()
    {
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.Content.WriteAsync(new byte[] { 1, 2 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.CommitAsync(new CancellationToken(canceled: true)));

        Assert.Null(await bucket.HeadAsync("k"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());
    }

    [Fact]
    public async Task Content_IsWriteOnly()
    {
        await using var upload = await bucket.BeginPutAsync("k");

        Assert.True(upload.Content.CanWrite);
        Assert.False(upload.Content.CanRead);
        Assert.False(upload.Content.CanSeek);
        Assert.Equal("k", upload.Key);
    }

    [Fact]
    public async Task OpenConcurrentReader_WhileWriting_SeesBytesAsWritten()
    {
        var part1 = StreamHelpers.Pattern(70_000, 1);
        var part2 = StreamHelpers.Pattern(30_000, 2);
        await using var upload = await bucket.BeginPutAsync("k");
        await using var reader = upload.OpenConcurrentReader();
        Assert.NotNull(reader);

        Assert.Empty(await StreamHelpers.ReadAvailableAsync(reader, 10));
        await upload.Content.WriteAsync(part1);
        var seen1 = await StreamHelpers.ReadAvailableAsync(reader, 1_000_000);
        await upload.Content.WriteAsync(part2);
        var seen2 = await StreamHelpers.ReadAvailableAsync(reader, 1_000_000);

        Assert.Equal(part1, seen1);
        Assert.Equal(part2, seen2);
    }

    [Fact]
    public async Task OpenConcurrentReader_AfterCommit_KeepsReadingRemainingBytes()
    {
        var data = StreamHelpers.Pattern(200_000);
        await using var upload = await bucket.BeginPutAsync("k");
        await using var reader = upload.OpenConcurrentReader()!;
        await upload.Content.WriteAsync(data.AsMemory(0, 50_000));
        var before = await StreamHelpers.ReadAvailableAsync(reader, 20_000);

        await upload.Content.WriteAsync(data.AsMemory(50_000));
        await upload.CommitAsync();
        var after = await StreamHelpers.ReadAllAsync(reader);

        Assert.Equal(data, before.Concat(after).ToArray());
        Assert.Throws<InvalidOperationException>(() => upload.OpenConcurrentReader());
    }

    [Fact]
    public async Task OpenConcurrentReader_AfterAbort_KeepsReadingWrittenBytes()
    {
        var data = StreamHelpers.Pattern(80_000);
        var upload = await bucket.BeginPutAsync("k");
        await using var reader = upload.OpenConcurrentReader()!;
        await upload.Content.WriteAsync(data);

        await upload.DisposeAsync();

        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
        Assert.Equal(data, await StreamHelpers.ReadAllAsync(reader));
        Assert.Null(await bucket.HeadAsync("k"));
    }

    [Fact]
    public async Task CommitAsync_TwoUploadsRacing_LastCommitWinsWithItsMetadata()
    {
        await using var first = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "first/one" });
        await using var second = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "second/one" });
        await first.Content.WriteAsync(StreamHelpers.Pattern(1000, 1));
        await second.Content.WriteAsync(StreamHelpers.Pattern(2000, 2));

        await second.CommitAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await first.CommitAsync();

        await using var body = await bucket.GetAsync("k");
        Assert.NotNull(body);
        Assert.Equal("first/one", body.Info.ContentType);
        Assert.Equal(StreamHelpers.Pattern(1000, 1), await StreamHelpers.ReadAllAsync(body.Content));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
    }

    [Fact]
    public async Task CommitAsync_ManyConcurrentUploadsOfOneKey_AllSucceedAndOneWholeObjectRemains()
    {
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var content = StreamHelpers.Pattern(10_000 + i, i);
            await bucket.PutAsync("k", new MemoryStream(content), new ObjectPutOptions { ContentType = "t/" + i });
        }));

        await Task.WhenAll(tasks);

        await using var body = await bucket.GetAsync("k");
        Assert.NotNull(body);
        var winner = int.Parse(body.Info.ContentType!["t/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(StreamHelpers.Pattern(10_000 + winner, winner), await StreamHelpers.ReadAllAsync(body.Content));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
    }
}
