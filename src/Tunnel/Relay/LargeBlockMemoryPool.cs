using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Edge.Tunnel.Relay;

/// <summary>
/// A Kestrel memory pool with 256 KiB blocks instead of Kestrel's 4 KiB ones.
/// </summary>
/// <remarks>
/// Kestrel's socket transport receives into one pool block per <c>recv</c>. On the relay every byte of every tunneled
/// download arrives on an agent connection, so with 4 KiB blocks a 1 GiB layer cost ~250 000 receive calls and as
/// many wake-ups of the HTTP/2 reader. 64 KiB blocks halved the relay's CPU per byte; 256 KiB blocks (the agent sends
/// up to 256 KiB at a time) took another tenth off and raised single and parallel downloads by 10–15% (see
/// docs/benchmarks.md). Idle connections hold no block (Kestrel waits for data before renting), so the larger
/// blocks cost memory only while data moves: about one block per direction of each connection that is receiving or
/// sending at that moment. Up to <see cref="MaxRetainedBlocks"/> returned blocks are kept for reuse; the rest are
/// left to the GC.
/// </remarks>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Bytes per block.</summary>
    public const int BlockSize = 256 * 1024;

    /// <summary>Returned blocks kept for reuse (16 MiB).</summary>
    public const int MaxRetainedBlocks = 64;

    private readonly ConcurrentQueue<byte[]> _free = new();
    private int _retained;
    private volatile bool _disposed;

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks currently kept for reuse.</summary>
    public int RetainedBlocks => Volatile.Read(ref _retained);

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
        }
        else
        {
            // Pinned-object heap: sockets may pin receive buffers; these never fragment the compacting heaps.
            block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        }

        return new Block(this, block);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        while (_free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private void Return(byte[] block)
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Increment(ref _retained) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _retained);
            return;
        }

        _free.Enqueue(block);
    }

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(LargeBlockMemoryPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }
}
