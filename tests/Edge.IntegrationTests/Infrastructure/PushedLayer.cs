namespace Edge.IntegrationTests.Infrastructure;

/// <summary>A layer blob as pushed.</summary>
/// <param name="Digest">sha256 digest of the compressed blob.</param>
/// <param name="Size">Compressed size in bytes.</param>
/// <param name="DiffId">sha256 digest of the uncompressed tar (rootfs diff_id).</param>
/// <param name="PayloadSize">Size of the random file inside the tar.</param>
public sealed record PushedLayer(string Digest, long Size, string DiffId, long PayloadSize);
