using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

/// <summary>
/// Streams several hundred megabytes through the bucket and checks managed memory stays flat. It runs
/// alone (see <see cref="MemorySensitiveCollection"/>) because GC.GetTotalMemory counts every thread's allocations.
/// </summary>
[Collection(MemorySensitiveCollection.Name)]
public sealed class DiskObjectBucketLargeObjectTests : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private const int Chunks = 300 * 1024 * 1024 / ChunkSize;
    private const long Total = (long)ChunkSize * Chunks;
    private const long AllowedGrowth = 50L * 1024 * 1024;
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task PutAndGet_300MegabytesInChunks_ManagedMemoryStaysFlat()
    {
        var bucket = new DiskObjectBucket(new DiskBucketOptions { RootPath = temp.Combine("bucket") }, new FakeTimeProvider());
        var chunk = StreamHelpers.Pattern(ChunkSize);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;

        await using (var upload = await bucket.BeginPutAsync("big"))
        {
            for (var i = 0; i < Chunks; i++)
            {
                chunk[0] = (byte)i;
                await upload.Content.WriteAsync(chunk);
                if (i % 256 == 0)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - baseline);
                }
            }

            Assert.Equal(Total, (await upload.CommitAsync()).Size);
        }

        await using (var body = await bucket.GetAsync("big"))
        {
            Assert.NotNull(body);
            Assert.Equal(Total, body.Length);
            var buffer = new byte[ChunkSize];
            long read = 0;
            var reads = 0;
            int n;
            while ((n = await body.Content.ReadAsync(buffer)) > 0)
            {
                // Spot-check content: each chunk starts with its index.
                var firstBoundary = (read + ChunkSize - 1) / ChunkSize * ChunkSize;
                for (var boundary = firstBoundary; boundary < read + n; boundary += ChunkSize)
                {
                    Assert.Equal((byte)(boundary / ChunkSize), buffer[boundary - read]);
                }

                read += n;
                if (++reads % 256 == 0)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - baseline);
                }
            }

            Assert.Equal(Total, read);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        Assert.True(peak < AllowedGrowth, $"Managed memory grew by {peak / (1024 * 1024)} MB while streaming {Total / (1024 * 1024)} MB.");
        Assert.True(after < AllowedGrowth, $"Managed memory stayed {after / (1024 * 1024)} MB above the baseline.");
    }
}
