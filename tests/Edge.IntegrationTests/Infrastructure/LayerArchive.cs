using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Writes a gzip-compressed tar layer to disk (never holding the content in memory) and hashes it.</summary>
public static class LayerArchive
{
    private const int ChunkSize = 1 << 20;
    private static readonly DateTimeOffset FixedTime = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Creates <paramref name="gzipPath"/>; returns (digest, compressed size, diff_id).</summary>
    public static async Task<(string Digest, long Size, string DiffId)> CreateAsync(LayerSpec spec, string workDirectory, string gzipPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var seedText = spec.Seed.ToString(CultureInfo.InvariantCulture);
        var payloadPath = Path.Combine(workDirectory, $"payload-{seedText}-{Guid.NewGuid():N}.bin");
        var tarPath = Path.Combine(workDirectory, $"layer-{seedText}-{Guid.NewGuid():N}.tar");
        try
        {
            await WritePayloadAsync(spec, payloadPath);
            await WriteTarAsync(spec, payloadPath, tarPath);
            File.Delete(payloadPath);
            var diffId = await DigestOfFileAsync(tarPath);
            await using (var tarStream = File.OpenRead(tarPath))
            await using (var output = File.Create(gzipPath))
            await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            {
                await tarStream.CopyToAsync(gzip, ChunkSize);
            }

            return (await DigestOfFileAsync(gzipPath), new FileInfo(gzipPath).Length, diffId);
        }
        finally
        {
            File.Delete(payloadPath);
            File.Delete(tarPath);
        }
    }

    /// <summary>sha256:hex of a file's content.</summary>
    public static async Task<string> DigestOfFileAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream);
        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    /// <summary>sha256:hex of bytes.</summary>
    public static string DigestOf(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private static async Task WritePayloadAsync(LayerSpec spec, string payloadPath)
    {
        var random = new Random(spec.Seed);
        var buffer = new byte[(int)Math.Min(ChunkSize, Math.Max(1, spec.Size))];
        await using var payload = File.Create(payloadPath);
        var remaining = spec.Size;
        while (remaining > 0)
        {
            var count = (int)Math.Min(buffer.Length, remaining);
            random.NextBytes(buffer.AsSpan(0, count));
            await payload.WriteAsync(buffer.AsMemory(0, count));
            remaining -= count;
        }
    }

    private static async Task WriteTarAsync(LayerSpec spec, string payloadPath, string tarPath)
    {
        await using var tarFile = File.Create(tarPath);
        await using var writer = new TarWriter(tarFile, TarEntryFormat.Ustar, leaveOpen: false);
        var directory = new UstarTarEntry(TarEntryType.Directory, "edge-test/")
        {
            ModificationTime = FixedTime,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            Uid = 0,
            Gid = 0,
        };
        await writer.WriteEntryAsync(directory);
        await using var data = File.OpenRead(payloadPath);
        var entry = new UstarTarEntry(TarEntryType.RegularFile, $"edge-test/layer-{spec.Seed.ToString(CultureInfo.InvariantCulture)}.bin")
        {
            DataStream = data,
            ModificationTime = FixedTime,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            Uid = 0,
            Gid = 0,
        };
        await writer.WriteEntryAsync(entry);
    }
}
