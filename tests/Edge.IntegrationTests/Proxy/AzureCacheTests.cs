using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Edge.IntegrationTests.Infrastructure;
using Edge.Tests.Shared;
using Xunit.Abstractions;

namespace Edge.IntegrationTests.Proxy;

/// <summary>The registry proxy with its cache bucket in Azure Blob storage (a real Azurite), as `edge serve` runs it.</summary>
public sealed class AzureCacheTests(ITestOutputHelper output)
{
    private const string Container = "edge-cache";
    private const int BlockSize = 1024 * 1024;

    [Fact]
    public async Task Pull_AzureCacheBucket_BlobsLandInAzuriteWholeAndServeWhileUpstreamIsDown()
    {
        await using var azurite = await AzuriteServer.StartAsync(Container);
        await using var upstream = await DistributionRegistry.StartNewAsync();
        await using var edge = AzureProxy(azurite, upstream);
        await edge.StartAsync();
        // 12 MiB and a bit (a little more once compressed, still under 13 MiB): twelve whole 1 MiB blocks and a short one,
        // committed as one block list; the small layer and the manifest with one Put Blob each.
        var image = await TestImage.Create("library/azure-test", "1").WithLayer((12 * BlockSize) + 4321, 1901).WithLayer(4096, 1902).PushAsync(upstream);
        using var skopeo = new Skopeo();
        var clock = Stopwatch.StartNew();

        var cold = await skopeo.CopyToDirAsync($"docker://{edge.Host}/azure-test:1");

        var coldTime = clock.Elapsed;
        Assert.True(cold.Succeeded, cold.Command.Describe() + Describe(edge, azurite));
        Assert.Equal(image.ManifestDigest, cold.ManifestDigest);

        // Commits finish in the background after the client has its bytes: wait, bounded, for each layer's blob, then check
        // its bytes and how it was written.
        var blobs = azurite.Client.GetBlobContainerClient(Container);
        foreach (var layer in image.Layers)
        {
            var blob = blobs.GetBlockBlobClient(BlobName("blobs", layer.Digest));
            Assert.True(await WaitForBlobAsync(blob, layer.Size), $"{layer.Digest} never reached {layer.Size} bytes in Azurite under mirror/." + Describe(edge, azurite));
            Assert.Equal(layer.Digest, await DigestAsync(blob));
        }

        var large = image.Layers.MaxBy(l => l.Size)!;
        BlockList blocks = await blobs.GetBlockBlobClient(BlobName("blobs", large.Digest)).GetBlockListAsync(BlockListTypes.Committed);
        Assert.InRange(large.Size, (12L * BlockSize) + 1, 13L * BlockSize);
        Assert.Equal(13, blocks.CommittedBlocks.Count());
        Assert.All(blocks.CommittedBlocks.SkipLast(1), b => Assert.Equal(BlockSize, b.SizeLong));
        Assert.Equal(large.Size, blocks.CommittedBlocks.Sum(b => b.SizeLong));
        var manifest = blobs.GetBlockBlobClient(BlobName("manifests", image.ManifestDigest));
        Assert.True(await WaitForBlobAsync(manifest, null), "the manifest is not in Azurite." + Describe(edge, azurite));
        Assert.Equal(image.ManifestDigest, await DigestAsync(manifest));
        Assert.Equal(image.ManifestMediaType, (await manifest.GetPropertiesAsync()).Value.ContentType);
        Assert.False(Directory.Exists(Path.Combine(edge.DataDirectory, "buckets", "cache", "objects")), "the disk bucket was used although the cache bucket is azure");

        await upstream.StopAsync();
        clock.Restart();
        var offline = await skopeo.CopyToDirAsync($"docker://{edge.Host}/azure-test:1");
        var offlineTime = clock.Elapsed;

        Assert.True(offline.Succeeded, offline.Command.Describe() + Describe(edge, azurite));
        Assert.Equal(image.ManifestDigest, offline.ManifestDigest);
        foreach (var layer in image.Layers)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(offline.Directory, layer.Digest["sha256:".Length..]));
            Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        var lines = await ProxyLogWait.UntilAsync(edge, l => image.Layers.All(layer => l.Any(x => x.Method == "GET" && x.Path.EndsWith(layer.Digest, StringComparison.Ordinal) && x.Cache == "hit")));
        Assert.All(image.Layers, layer => Assert.Contains(lines, x => x.Method == "GET" && x.Path.EndsWith(layer.Digest, StringComparison.Ordinal) && x.Status == 200 && x.Cache == "hit"));
        Assert.DoesNotContain(AzuriteServer.AccountKey, edge.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(edge.Arguments, a => a.Contains(AzuriteServer.AccountKey, StringComparison.Ordinal));
        output.WriteLine($"layers {string.Join(", ", image.Layers.Select(l => l.Size))} bytes; the large one in {blocks.CommittedBlocks.Count()} blocks of {BlockSize}; cold pull {coldTime.TotalSeconds:F2} s, pull with upstream down {offlineTime.TotalSeconds:F2} s.");
    }

    [Fact]
    public async Task Pull_AzuriteDown_ServedFromUpstreamWithoutCachingAndNoKeyInTheLog()
    {
        await using var azurite = await AzuriteServer.StartAsync(Container);
        await using var upstream = await DistributionRegistry.StartNewAsync();
        await using var edge = AzureProxy(azurite, upstream);
        await edge.StartAsync();
        var image = await TestImage.Create("library/azure-down", "1").WithLayer(3 * BlockSize, 1903).PushAsync(upstream);
        using var skopeo = new Skopeo();
        await azurite.StopAsync();

        var degraded = await skopeo.CopyToDirAsync($"docker://{edge.Host}/azure-down:1");

        Assert.True(degraded.Succeeded, degraded.Command.Describe() + Describe(edge, azurite));
        Assert.Equal(image.ManifestDigest, degraded.ManifestDigest);
        var layer = Assert.Single(image.Layers);
        Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(degraded.Directory, layer.Digest["sha256:".Length..])))));
        Assert.Contains("Serving manifest", edge.Output, StringComparison.Ordinal);
        Assert.Contains($"Serving {layer.Digest} without caching it", edge.Output, StringComparison.Ordinal);
        Assert.Contains("Azure bucket 'cache' (edge-cache)", edge.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteServer.AccountKey, edge.Output, StringComparison.Ordinal);
    }

    /// <summary>`edge serve` with the registry cache in Azurite's container under the prefix <c>mirror</c>, in 1 MiB blocks.</summary>
    private static EdgeProcess AzureProxy(AzuriteServer azurite, DistributionRegistry upstream) =>
        EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
            .WithSetting("Edge:Buckets:cache:Type", "azure")
            .WithSetting("Edge:Buckets:cache:Endpoint", azurite.Endpoint)
            .WithSetting("Edge:Buckets:cache:AccountName", AzuriteServer.AccountName)
            .WithSetting("Edge:Buckets:cache:Container", Container)
            .WithSetting("Edge:Buckets:cache:Prefix", "mirror")
            .WithSetting("Edge:Buckets:cache:BlockSize", BlockSize.ToString(CultureInfo.InvariantCulture))
            // The key as an operator should pass it: in the environment, never on the command line.
            .WithEnvironment("Edge__Buckets__cache__AccountKey", AzuriteServer.AccountKey);

    private static string BlobName(string kind, string digest)
    {
        var hex = digest["sha256:".Length..];
        return $"mirror/{kind}/sha256/{hex[..2]}/{hex}";
    }

    /// <summary>Waits (at most 10 s) until the blob exists, with <paramref name="size"/> bytes if given.</summary>
    private static async Task<bool> WaitForBlobAsync(BlobBaseClient blob, long? size)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                BlobProperties properties = await blob.GetPropertiesAsync();
                if (size is null || properties.ContentLength == size)
                {
                    return true;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Not committed yet.
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task<string> DigestAsync(BlobBaseClient blob)
    {
        await using var content = (await blob.DownloadStreamingAsync()).Value.Content;
        return "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(content));
    }

    private static string Describe(EdgeProcess edge, AzuriteServer azurite) =>
        $"{Environment.NewLine}--- edge ---{Environment.NewLine}{Tail(edge.Output)}{Environment.NewLine}--- azurite ---{Environment.NewLine}{Tail(azurite.Output)}";

    private static string Tail(string text) => text.Length > 12_000 ? "…" + text[^12_000..] : text;
}
