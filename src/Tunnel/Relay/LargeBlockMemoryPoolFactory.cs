using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Edge.Tunnel.Relay;

/// <summary>Hands Kestrel (transport, HTTP/1.1 and HTTP/2 layers) <see cref="LargeBlockMemoryPool"/>s.</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    /// <inheritdoc />
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}
