using System.Buffers;
using System.Threading.Channels;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// Hashes a stream's chunks on another thread while the pump goes on writing and serving: SHA-256 of a layer
/// costs about as much CPU as moving it, and on its own thread it leaves the copy path. Chunks are pooled
/// buffers handed over and returned after hashing; the queue is bounded, so memory stays flat.
/// </summary>
internal sealed class ParallelHasher : IDisposable
{
    /// <summary>At most this many chunks wait for the hasher: 8 × 256 KiB.</summary>
    private const int QueueLength = 8;

    private readonly Channel<(byte[] Buffer, int Count)> _queue = Channel.CreateBounded<(byte[], int)>(
        new BoundedChannelOptions(QueueLength) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Task<byte[]> _result;

    public ParallelHasher(Digest digest)
    {
        _result = Task.Run(async () =>
        {
            using var hash = digest.CreateHash();
            await foreach (var (buffer, count) in _queue.Reader.ReadAllAsync())
            {
                hash.AppendData(buffer, 0, count);
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return hash.GetHashAndReset();
        });
    }

    /// <summary>Queues <paramref name="count"/> bytes of <paramref name="rented"/> for hashing; the hasher returns the buffer to the pool.</summary>
    public ValueTask AddAsync(byte[] rented, int count, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync((rented, count), cancellationToken);

    /// <summary>The hash of everything added.</summary>
    public Task<byte[]> CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _result;
    }

    public void Dispose()
    {
        // On failure the pump stops adding; let the hasher drain and return its buffers.
        _queue.Writer.TryComplete();
    }
}
