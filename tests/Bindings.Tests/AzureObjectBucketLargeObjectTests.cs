using Edge.Bindings.Azure;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Xunit.Abstractions;

namespace Edge.Bindings.Tests;

/// <summary>
/// Streams 96 MiB through an Azure bucket (Azurite) in 1 MiB blocks and checks managed memory stays within a few blocks:
/// the upload holds at most two blocks, the download none. It runs alone (see <see cref="MemorySensitiveCollection"/>)
/// because GC.GetTotalMemory counts every thread's allocations.
/// </summary>
[Collection(MemorySensitiveCollection.Name)]
public sealed class AzureObjectBucketLargeObjectTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int BlockSize = 1024 * 1024;
    private const int ChunkSize = 64 * 1024;
    private const int Chunks = 96 * BlockSize / ChunkSize;
    private const long Total = (long)ChunkSize * Chunks;
    private const long AllowedGrowth = 24L * 1024 * 1024;
    private const string Container = "large";

    private AzuriteServer? azurite;

    public async Task InitializeAsync() => azurite = await AzuriteServer.StartAsync(Container);

    public async Task DisposeAsync()
    {
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }
    }

    [Fact]
    public async Task PutAndGet_96MegabytesInOneMegabyteBlocks_ManagedMemoryStaysWithinAFewBlocks()
    {
        var options = new BucketOptions { Type = "azure", ConnectionString = azurite!.ConnectionString, Container = Container, BlockSize = BlockSize };
        var bucket = new AzureObjectBucket("large", options, AzureClient.Create(options));
        var chunk = StreamHelpers.Pattern(ChunkSize);
        // A small object first, so the SDK's pipeline, connection and serializers exist before the baseline.
        await bucket.PutAsync("warm-up", new MemoryStream(chunk));
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;

        await using (var upload = await bucket.BeginPutAsync("big"))
        {
            for (var i = 0; i < Chunks; i++)
            {
                chunk[0] = (byte)i;
                await upload.Content.WriteAsync(chunk);
                if (i % 16 == 0)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - baseline);
                }
            }

            Assert.Equal(Total, (await upload.CommitAsync()).Size);
            Assert.Equal(96, ((AzureObjectUpload)upload).PartsSent);
        }

        var uploadPeak = peak;
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
                if (++reads % 64 == 0)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - baseline);
                }
            }

            Assert.Equal(Total, read);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        output.WriteLine($"{Total} bytes in {BlockSize}-byte blocks: managed memory above baseline peaked at {uploadPeak / 1024} KiB uploading, {peak / 1024} KiB overall, {after / 1024} KiB after.");
        Assert.True(peak < AllowedGrowth, $"Managed memory grew by {peak / (1024 * 1024)} MiB while streaming {Total / (1024 * 1024)} MiB.");
        Assert.True(after < AllowedGrowth, $"Managed memory stayed {after / (1024 * 1024)} MiB above the baseline.");
    }
}
