namespace Edge.Forwarding.Tests;

public sealed class UpstreamResponseStreamTests
{
    [Fact]
    public async Task ReadAsync_ZeroByteReadWhileFlowing_AnsweredWithoutTheSocket()
    {
        var inner = new CountingStream(new byte[100_000]);
        var bytes = new ForwardedBytes();
        using var stream = new UpstreamResponseStream(inner, bytes);
        var buffer = new byte[64 * 1024];

        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        var first = await stream.ReadAsync(buffer);
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        var second = await stream.ReadAsync(buffer);
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        var end = await stream.ReadAsync(buffer);

        // The first zero-byte read waits on the upstream; after a full read the next is answered at once; after the
        // short one (the upstream may pause) zero-byte reads reach it again.
        Assert.Equal(2, inner.ZeroByteReads);
        Assert.Equal((65_536, 34_464, 0), (first, second, end));
        Assert.Equal(100_000, bytes.FromUpstream);
    }

    [Fact]
    public async Task WriteAsync_UpgradedConnection_CountedAndPassedOn()
    {
        var inner = new CountingStream([]);
        var bytes = new ForwardedBytes();
        using var stream = new UpstreamResponseStream(inner, bytes);

        await stream.WriteAsync(new byte[10]);
        await stream.WriteAsync(new byte[5]);

        Assert.Equal(15, bytes.ToUpstream);
        Assert.Equal(15, inner.Written);
    }

    private sealed class CountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public int ZeroByteReads { get; private set; }

        public long Written { get; private set; }

        public override bool CanWrite => true;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                ZeroByteReads++;
            }

            return base.ReadAsync(buffer, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
