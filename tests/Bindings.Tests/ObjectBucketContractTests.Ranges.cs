using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;

namespace Edge.Bindings.Tests;

/// <summary>The contract's ranged reads: exactly the bytes asked for, shortened at the end, 416 with the size past it.</summary>
public abstract partial class ObjectBucketContractTests
{
    private const int RangedSize = 200_000;

    private static readonly byte[] RangedData = StreamHelpers.Pattern(RangedSize, seed: 7);

    [Theory]
    [InlineData(0, 10)]
    [InlineData(0, 1)]
    [InlineData(12_345, 70_000)]
    [InlineData(RangedSize - 1, 1)]
    [InlineData(0, RangedSize)]
    public async Task GetAsync_RangeInside_ReturnsExactlyThoseBytes(long offset, long length)
    {
        var bucket = await RangedObjectAsync();

        await using var body = await bucket.GetAsync("obj", new ByteRange(offset, length));

        Assert.NotNull(body);
        Assert.Equal(offset, body.Offset);
        Assert.Equal(length, body.Length);
        Assert.Equal(RangedSize, body.Info.Size);
        Assert.Equal(RangedData.AsSpan((int)offset, (int)length).ToArray(), await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(150_000)]
    [InlineData(RangedSize - 10)]
    public async Task GetAsync_OpenEndedRange_ReadsToEnd(long offset)
    {
        var bucket = await RangedObjectAsync();

        await using var body = await bucket.GetAsync("obj", new ByteRange(offset));

        Assert.NotNull(body);
        Assert.Equal((offset, RangedSize - offset, (long)RangedSize), (body.Offset, body.Length, body.Info.Size));
        Assert.Equal(RangedData[(int)offset..], await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Theory]
    [InlineData(RangedSize - 100, 1_000_000L)]
    [InlineData(RangedSize - 100, long.MaxValue)]
    public async Task GetAsync_LengthPastEnd_IsShortened(long offset, long length)
    {
        var bucket = await RangedObjectAsync();

        await using var body = await bucket.GetAsync("obj", new ByteRange(offset, length));

        Assert.NotNull(body);
        Assert.Equal(100, body.Length);
        Assert.Equal(RangedData[^100..], await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Theory]
    [InlineData(RangedSize)]
    [InlineData(RangedSize + 1)]
    [InlineData(long.MaxValue)]
    public async Task GetAsync_OffsetAtOrPastEnd_ThrowsRangeNotSatisfiableWithSize(long offset)
    {
        var bucket = await RangedObjectAsync();

        var bounded = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("obj", new ByteRange(offset, 10)));
        var open = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("obj", new ByteRange(offset)));

        Assert.Equal((RangedSize, RangedSize), (bounded.Size, open.Size));
    }

    [Theory]
    [InlineData(-1, null)]
    [InlineData(0, 0L)]
    [InlineData(0, -5L)]
    public async Task GetAsync_InvalidRange_ThrowsArgumentOutOfRange(long offset, long? length)
    {
        var bucket = await RangedObjectAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await bucket.GetAsync("obj", new ByteRange(offset, length)));
    }

    [Fact]
    public async Task GetAsync_RangedBody_IsForwardOnlyAndReadOnly()
    {
        var bucket = await RangedObjectAsync();

        await using var body = await bucket.GetAsync("obj", new ByteRange(5, 10));

        Assert.NotNull(body);
        Assert.True(body.Content.CanRead);
        Assert.False(body.Content.CanSeek);
        Assert.False(body.Content.CanWrite);
    }

    [Fact]
    public async Task GetAsync_RangeReadSynchronouslyWithSpans_ReturnsExactlyThoseBytes()
    {
        var bucket = await RangedObjectAsync();

        await using var body = await bucket.GetAsync("obj", new ByteRange(1000, 5000));
        Assert.NotNull(body);
        var result = new List<byte>();
        var buffer = new byte[777];
        int read;
        while ((read = body.Content.Read(buffer.AsSpan())) > 0)
        {
            result.AddRange(buffer.AsSpan(0, read));
        }

        Assert.Equal(RangedData.AsSpan(1000, 5000).ToArray(), result.ToArray());
    }

    /// <summary>The bucket with the object <c>obj</c> of <see cref="RangedSize"/> bytes of <see cref="RangedData"/>.</summary>
    private async Task<IObjectBucket> RangedObjectAsync()
    {
        var bucket = OpenBucket();
        await bucket.PutAsync("obj", new MemoryStream(RangedData));
        return bucket;
    }
}
