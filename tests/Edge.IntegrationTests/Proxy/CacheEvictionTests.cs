using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class CacheEvictionTests
{
    private const long Limit = 3_000_000;

    [Fact]
    public async Task CacheOverLimit_SweepEvictsLeastRecentlyUsedImage_NewestStaysCached_EvictedRefetches()
    {
        await using var bed = await ProxyTestbed.StartAsync(
            withGhcr: false,
            ("Registry:MaxCacheSize", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Registry:CacheSweepInterval", "00:00:01"),
            ("Registry:CacheProtectRecent", "00:00:00"));
        // Three images of about 1.5 MB each (one incompressible layer): two fit under the 3 MB limit only just.
        var images = new List<PushedImage>();
        foreach (var (name, seed) in new[] { ("evict-oldest", 4101), ("evict-middle", 4102), ("evict-newest", 4103) })
        {
            images.Add(await TestImage.Create("library/" + name, "1").WithLayer(1_500_000, seed).PushAsync(bed.Docker));
        }

        using var skopeo = new Skopeo();
        foreach (var image in images)
        {
            var pull = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/{image.Repository["library/".Length..]}:1");
            Assert.True(pull.Succeeded, pull.Command.Describe() + bed.Describe());
            Assert.Equal(image.ManifestDigest, pull.ManifestDigest);
        }

        var oldest = images[0];
        var newest = images[2];
        var oldestLayer = bed.BlobFile(oldest.Layers[0].Digest);
        var newestLayer = bed.BlobFile(newest.Layers[0].Digest);

        // A sweep runs every second; wait (bounded) for one that brought the cache under the limit.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((File.Exists(oldestLayer) || CachedBytes(bed) > Limit) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var context = $"cached={CachedBytes(bed)}" + bed.Describe();
        Assert.True(CachedBytes(bed) <= Limit, context);
        Assert.False(File.Exists(oldestLayer), context);
        Assert.True(File.Exists(newestLayer), context);
        Assert.Contains("Cache sweep evicted", bed.Edge.Output, StringComparison.Ordinal);

        // The newest image is still served from cache.
        var newestPath = "/v2/evict-newest/blobs/" + newest.Layers[0].Digest;
        var repull = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/evict-newest:1");
        Assert.True(repull.Succeeded, repull.Command.Describe() + bed.Describe());
        Assert.Equal(newest.ManifestDigest, repull.ManifestDigest);
        var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Method == "GET" && x.Path == newestPath) >= 2);
        Assert.True(lines.Where(x => x.Method == "GET" && x.Path == newestPath).Select(x => x.Cache).SequenceEqual(["miss", "hit"]), string.Join('\n', lines) + bed.Describe());

        // The evicted image is fetched again, whole and verified.
        var oldestPath = "/v2/evict-oldest/blobs/" + oldest.Layers[0].Digest;
        var refetch = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/evict-oldest:1");
        Assert.True(refetch.Succeeded, refetch.Command.Describe() + bed.Describe());
        Assert.Equal(oldest.ManifestDigest, refetch.ManifestDigest);
        var copiedLayer = Path.Combine(refetch.Directory, oldest.Layers[0].Digest["sha256:".Length..]);
        Assert.Equal(oldest.Layers[0].Digest, await LayerArchive.DigestOfFileAsync(copiedLayer));
        lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Method == "GET" && x.Path == oldestPath) >= 2);
        Assert.True(lines.Where(x => x.Method == "GET" && x.Path == oldestPath).Select(x => x.Cache).SequenceEqual(["miss", "miss"]), string.Join('\n', lines) + bed.Describe());
    }

    /// <summary>Bytes of committed objects (blobs and manifests) in the proxy's cache bucket.</summary>
    private static long CachedBytes(ProxyTestbed bed)
    {
        var objects = Path.Combine(bed.BucketDirectory, "objects");
        return Directory.Exists(objects)
            ? Directory.EnumerateFiles(objects, "*~obj", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : 0;
    }
}
