using System.Buffers;
using System.Runtime.InteropServices;
using Edge.Tunnel.Relay;
using Edge.Tunnel.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Tunnel.Tests;

public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Rent_GivesArrayBackedBlocksOfBlockSize_AndReusesReturnedOnes()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        Assert.Equal(LargeBlockMemoryPool.BlockSize, first.Memory.Length);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, pool.MaxBufferSize);

        // Kestrel's socket sender needs the array behind the memory.
        Assert.True(MemoryMarshal.TryGetArray<byte>(first.Memory, out var segment));
        var array = segment.Array;
        first.Dispose();
        first.Dispose(); // a second dispose must not return the block twice
        Assert.Equal(1, pool.RetainedBlocks);

        using var second = pool.Rent(100);
        Assert.True(MemoryMarshal.TryGetArray<byte>(second.Memory, out var again));
        Assert.Same(array, again.Array);
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
    }

    [Fact]
    public void Return_KeepsAtMostTheRetentionBound()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, LargeBlockMemoryPool.MaxRetainedBlocks + 10).Select(_ => pool.Rent()).ToList();
        foreach (var block in blocks)
        {
            block.Dispose();
        }

        Assert.Equal(LargeBlockMemoryPool.MaxRetainedBlocks, pool.RetainedBlocks);
    }

    [Fact]
    public void Rent_MoreThanABlock_Throws()
    {
        using var pool = new LargeBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Dispose_DropsRetainedBlocks_AndLaterReturnsAreNotKept()
    {
        var pool = new LargeBlockMemoryPool();
        var held = pool.Rent();
        pool.Rent().Dispose();
        Assert.Equal(1, pool.RetainedBlocks);
        pool.Dispose();
        Assert.Equal(0, pool.RetainedBlocks);
        held.Dispose();
        Assert.Equal(0, pool.RetainedBlocks);
    }

    [Fact]
    public async Task AddTunnelRelay_GivesKestrelTheLargeBlockPool_AndTheRelayServes()
    {
        await using var relay = await RelayHost.StartAsync();
        Assert.IsType<LargeBlockMemoryPoolFactory>(relay.Services.GetRequiredService<IMemoryPoolFactory<byte>>());

        // Kestrel runs on it: a request through the public entry is answered (404 for an unknown host).
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(relay.Uri, "/x"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
