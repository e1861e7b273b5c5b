using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

public sealed class ReadOnlySubStreamTests
{
    [Fact]
    public async Task ReadAsync_Memory_StopsAtLength()
    {
        var inner = new MemoryStream(StreamHelpers.Pattern(1000)) { Position = 100 };
        await using var sub = new ReadOnlySubStream(inner, 250);

        var read = await StreamHelpers.ReadAllAsync(sub);

        Assert.Equal(StreamHelpers.Pattern(1000)[100..350], read);
        Assert.Equal(350, inner.Position);
    }

    [Fact]
    public void Read_Span_StopsAtLength()
    {
        using var sub = new ReadOnlySubStream(new MemoryStream(StreamHelpers.Pattern(100)), 10);
        var buffer = new byte[64];

        Assert.Equal(10, sub.Read(buffer.AsSpan()));
        Assert.Equal(0, sub.Read(buffer.AsSpan()));
        Assert.Equal(StreamHelpers.Pattern(10), buffer[..10]);
    }

    [Fact]
    public void Read_ArrayOffsetCount_StopsAtLength()
    {
        using var sub = new ReadOnlySubStream(new MemoryStream(StreamHelpers.Pattern(100)), 3);
        var buffer = new byte[10];

        Assert.Equal(3, sub.Read(buffer, 5, 5));
        Assert.Equal(-1, sub.ReadByte());
        Assert.Equal(StreamHelpers.Pattern(3), buffer[5..8]);
    }

    [Fact]
    public async Task ReadAsync_FailIfShort_InnerShorterThanLength_ThrowsSayingHowMuchIsMissing_AndDisposesOwner()
    {
        var owner = new MemoryStream();
        var sub = new ReadOnlySubStream(new MemoryStream(new byte[5]), 100, failIfShort: true, owner: owner);

        var error = await Assert.ThrowsAsync<IOException>(() => StreamHelpers.ReadAllAsync(sub));
        await sub.DisposeAsync();

        Assert.Equal("The body ended 95 bytes early.", error.Message);
        Assert.False(owner.CanRead);
    }

    [Fact]
    public async Task ReadAsync_InnerShorterThanLength_EndsAtInnerEnd()
    {
        await using var sub = new ReadOnlySubStream(new MemoryStream(new byte[5]), 100);

        Assert.Equal(5, (await StreamHelpers.ReadAllAsync(sub)).Length);
    }

    [Fact]
    public async Task ReadAsync_ZeroLength_ReadsNothing()
    {
        await using var sub = new ReadOnlySubStream(new MemoryStream(new byte[5]), 0);

        Assert.Equal(0, await sub.ReadAsync(new byte[5]));
    }

    [Fact]
    public void SeekWriteLengthPosition_AreNotSupported()
    {
        using var sub = new ReadOnlySubStream(new MemoryStream(new byte[5]), 5);

        Assert.False(sub.CanSeek);
        Assert.False(sub.CanWrite);
        Assert.Throws<NotSupportedException>(() => sub.Length);
        Assert.Throws<NotSupportedException>(() => sub.Position);
        Assert.Throws<NotSupportedException>(() => sub.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => sub.Write([1], 0, 1));
        Assert.Throws<NotSupportedException>(() => sub.SetLength(1));
    }

    [Fact]
    public async Task DisposeAsync_DisposesInner()
    {
        var inner = new MemoryStream(new byte[5]);
        var sub = new ReadOnlySubStream(inner, 5);

        await sub.DisposeAsync();

        Assert.False(inner.CanRead);
        Assert.False(sub.CanRead);
        Assert.Throws<ObjectDisposedException>(() => sub.Read(new byte[1], 0, 1));
    }
}
