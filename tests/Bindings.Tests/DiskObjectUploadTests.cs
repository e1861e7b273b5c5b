using Edge.Bindings.Disk;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

/// <summary>
/// Uploads on disk: the temporary files behind them, and readers of an upload in progress, which only a local disk
/// offers (the upload contract itself is in <see cref="ObjectBucketContractTests"/>).
/// </summary>
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
    public async Task DisposeAsync_WithoutCommit_RemovesItsTemporaryFileAndPublishesNoFile()
    {
        await using (var upload = await bucket.BeginPutAsync("a/b"))
        {
            await upload.Content.WriteAsync(StreamHelpers.Pattern(50_000));
            Assert.Single(Directory.EnumerateFiles(TmpDirectory));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("bucket", "objects"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("bucket", "meta"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task CommitAsync_Committed_LeavesNoTemporaryFile()
    {
        await using var upload = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "a/b" });
        await upload.Content.WriteAsync(StreamHelpers.Pattern(100_000));

        await upload.CommitAsync();

        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
    }

    [Fact]
    public async Task CommitAsync_Cancelled_LeavesNoTemporaryFile()
    {
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.Content.WriteAsync(new byte[] { 1, 2 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.CommitAsync(new CancellationToken(canceled: true)));

        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
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
    public async Task CommitAsync_TwoUploadsRacing_LeaveNoTemporaryFile()
    {
        await using var first = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "first/one" });
        await using var second = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "second/one" });
        await first.Content.WriteAsync(StreamHelpers.Pattern(1000, 1));
        await second.Content.WriteAsync(StreamHelpers.Pattern(2000, 2));

        await second.CommitAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await first.CommitAsync();

        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
    }

    [Fact]
    public async Task CommitAsync_ManyConcurrentUploadsOfOneKey_LeaveNoTemporaryFile()
    {
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await bucket.PutAsync("k", new MemoryStream(StreamHelpers.Pattern(10_000 + i, i)), new ObjectPutOptions { ContentType = "t/" + i })));

        await Task.WhenAll(tasks);

        Assert.Empty(Directory.EnumerateFileSystemEntries(TmpDirectory));
    }
}
