using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

public sealed class DiskObjectBucketRangeTests : IDisposable
{
    private const int Size = 200_000;
    private readonly TempDirectory temp = new();
    private readonly byte[] data = StreamHelpers.Pattern(Size, seed: 7);
    private readonly DiskObjectBucket bucket;

    public DiskObjectBucketRangeTests()
    {
        bucket = new DiskObjectBucket(new DiskBucketOptions { RootPath = temp.Combine("bucket") }, new FakeTimeProvider());
        bucket.PutAsync("obj", new MemoryStream(data)).AsTask().GetAwaiter().GetResult();
    }

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(0, 10)]
    [InlineData(12_345, 70_000)]
    [InlineData(Size - 1, 1)]
    [InlineData(0, Size)]
    public async Task GetAsync_RangeInside_ReturnsExactlyThoseBytes(long offset, long length)
    {
        await using var body = await bucket.GetAsync("obj", new ByteRange(offset, length));

        Assert.NotNull(body);
        Assert.Equal(offset, body.Offset);
        Assert.Equal(length, body.Length);
        Assert.Equal(Size, body.Info.Size);
        Assert.Equal(data.AsSpan((int)offset, (int)length).ToArray(), await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task GetAsync_OpenEndedRange_ReadsToEnd()
    {
        await using var body = await bucket.GetAsync("obj", new ByteRange(150_000));

        Assert.NotNull(body);
        Assert.Equal(Size - 150_000, body.Length);
        Assert.Equal(data[150_000..], await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task GetAsync_LengthPastEnd_IsShortened()
    {
        await using var body = await bucket.GetAsync("obj", new ByteRange(Size - 100, 1_000_000));

        Assert.NotNull(body);
        Assert.Equal(100, body.Length);
        Assert.Equal(data[^100..], await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Theory]
    [InlineData(Size)]
    [InlineData(Size + 1)]
    [InlineData(long.MaxValue)]
    public async Task GetAsync_OffsetAtOrPastEnd_ThrowsRangeNotSatisfiableWithSize(long offset)
    {
        var ex = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("obj", new ByteRange(offset, 10)));

        Assert.Equal(Size, ex.Size);
    }

    [Fact]
    public async Task GetAsync_AnyRangeOfEmptyObject_ThrowsRangeNotSatisfiable()
    {
        await bucket.PutAsync("empty", new MemoryStream());

        var ex = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("empty", new ByteRange(0)));

        Assert.Equal(0, ex.Size);
    }

    [Theory]
    [InlineData(-1, null)]
    [InlineData(0, 0L)]
    [InlineData(0, -5L)]
    public async Task GetAsync_InvalidRange_ThrowsArgumentOutOfRange(long offset, long? length)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await bucket.GetAsync("obj", new ByteRange(offset, length)));
    }

    [Fact]
    public async Task GetAsync_RangedBody_IsForwardOnlyAndReadOnly()
    {
        await using var body = await bucket.GetAsync("obj", new ByteRange(5, 10));

        Assert.NotNull(body);
        Assert.True(body.Content.CanRead);
        Assert.False(body.Content.CanSeek);
        Assert.False(body.Content.CanWrite);
    }

    [Fact]
    public async Task GetAsync_RangeReadSynchronouslyWithSpans_ReturnsExactlyThoseBytes()
    {
        await using var body = await bucket.GetAsync("obj", new ByteRange(1000, 5000));
        Assert.NotNull(body);
        var result = new List<byte>();
        var buffer = new byte[777];
        int read;
        while ((read = body.Content.Read(buffer.AsSpan())) > 0)
        {
            result.AddRange(buffer.AsSpan(0, read));
        }

        Assert.Equal(data.AsSpan(1000, 5000).ToArray(), result.ToArray());
    }
}
