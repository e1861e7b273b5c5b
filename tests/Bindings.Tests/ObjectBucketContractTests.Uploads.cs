using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;

namespace Edge.Bindings.Tests;

/// <summary>The contract's writes: invisible until committed, whole at once, nothing left when abandoned.</summary>
public abstract partial class ObjectBucketContractTests
{
    [Fact]
    public async Task DisposeAsync_WithoutCommit_LeavesNothing()
    {
        var bucket = OpenBucket();
        await using (var upload = await bucket.BeginPutAsync("a/b"))
        {
            await upload.Content.WriteAsync(StreamHelpers.Pattern(50_000));
        }

        Assert.Null(await bucket.HeadAsync("a/b"));
        Assert.Null(await bucket.GetAsync("a/b"));
        Assert.Empty(await KeysAsync(bucket, string.Empty));
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_KeepsPreviousObject()
    {
        var bucket = OpenBucket();
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
        var bucket = OpenBucket();
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
        Assert.Equal("k", upload.Key);
    }

    [Fact]
    public async Task CommitAsync_Twice_ThrowsInvalidOperation()
    {
        var bucket = OpenBucket();
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.CommitAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());

        Assert.Contains("already committed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_WriteAfterCommit_ThrowsInvalidOperationWithReason()
    {
        var bucket = OpenBucket();
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.Content.WriteAsync(new byte[] { 1 });
        await upload.CommitAsync();

        var write = await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.Content.WriteAsync(new byte[] { 2 }));

        Assert.Contains("committed", write.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => upload.Content.Write([2], 0, 1));
        Assert.Equal(1, (await bucket.HeadAsync("k"))!.Size);
    }

    [Fact]
    public async Task CommitAsync_AfterDispose_ThrowsInvalidOperation()
    {
        var bucket = OpenBucket();
        var upload = await bucket.BeginPutAsync("k");
        await upload.DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.Content.WriteAsync(new byte[] { 1 }));
        Assert.Null(await bucket.HeadAsync("k"));
    }

    [Fact]
    public async Task CommitAsync_Cancelled_DiscardsUploadAndKeepsNothing()
    {
        var bucket = OpenBucket();
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.Content.WriteAsync(new byte[] { 1, 2 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.CommitAsync(new CancellationToken(canceled: true)));

        Assert.Null(await bucket.HeadAsync("k"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());
    }

    [Fact]
    public async Task Content_IsWriteOnly()
    {
        var bucket = OpenBucket();
        await using var upload = await bucket.BeginPutAsync("k");

        Assert.True(upload.Content.CanWrite);
        Assert.False(upload.Content.CanRead);
        Assert.False(upload.Content.CanSeek);
        Assert.Equal("k", upload.Key);
    }

    [Fact]
    public async Task OpenConcurrentReader_WhereTheStoreCan_ReaderElseNull()
    {
        var bucket = OpenBucket();
        await using var upload = await bucket.BeginPutAsync("k");

        await using var reader = upload.OpenConcurrentReader();

        Assert.Equal(ReadsUploadsInProgress, reader is not null);
    }

    [Fact]
    public async Task CommitAsync_TwoUploadsRacing_LastCommitWinsWithItsMetadata()
    {
        var bucket = OpenBucket();
        await using var first = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "first/one" });
        await using var second = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "second/one" });
        await first.Content.WriteAsync(StreamHelpers.Pattern(1000, 1));
        await second.Content.WriteAsync(StreamHelpers.Pattern(2000, 2));

        await second.CommitAsync();
        AdvanceClock(TimeSpan.FromSeconds(1));
        await first.CommitAsync();

        await using var body = await bucket.GetAsync("k");
        Assert.NotNull(body);
        Assert.Equal("first/one", body.Info.ContentType);
        Assert.Equal(StreamHelpers.Pattern(1000, 1), await StreamHelpers.ReadAllAsync(body.Content));
    }

    /// <summary>
    /// Sixteen uploads of one key committing at once all succeed, and one of them, whole and with its own content type,
    /// is the object. Real S3 passes this; s3rver writes an object's bytes and its metadata separately, so a reader can
    /// pair one upload's bytes with another's content type, and only the disk and Azure tests run it.
    /// </summary>
    protected async Task AssertManyConcurrentUploadsOfOneKeyLeaveOneWholeObjectAsync()
    {
        var bucket = OpenBucket();
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
    }
}
