using System.Security.Cryptography;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>Deterministic generated content: 1 MiB random blocks, each stamped with its index.</summary>
internal static class Payload
{
    public const int BlockSize = 1024 * 1024;

    private static readonly byte[] s_block = CreateBlock();

    public static void FillBlock(long index, Span<byte> destination)
    {
        s_block.CopyTo(destination);
        BitConverter.TryWriteBytes(destination, index);
    }

    public static string ExpectedSha256(int megabytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[BlockSize];
        for (var i = 0; i < megabytes; i++)
        {
            FillBlock(i, block);
            hash.AppendData(block);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static byte[] CreateBlock()
    {
        var block = new byte[BlockSize];
        new Random(42).NextBytes(block);
        return block;
    }
}
