using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class ConcurrentPullTests
{
    [Fact]
    public async Task BlobGet_TenConcurrentColdRequests_OneUpstreamFetch()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/concurrent-blob", "1").WithLayer(24 * 1024 * 1024, 1801).PushAsync(bed.Docker);
        var layer = image.Layers[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
        using var start = new SemaphoreSlim(0);
        var url = new Uri($"{bed.Edge.Url}/v2/concurrent-blob/blobs/{layer.Digest}");

        var requests = Enumerable.Range(0, 10).Select(async _ =>
        {
            await start.WaitAsync();
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            return (response.StatusCode, Digest: LayerArchive.DigestOf(bytes));
        }).ToList();
        start.Release(10);
        var results = await Task.WhenAll(requests);

        Assert.All(results, r => Assert.Equal((HttpStatusCode.OK, layer.Digest), r));
        var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Path.EndsWith(layer.Digest, StringComparison.Ordinal)) >= 10);
        var outcomes = lines.Where(l => l.Method == "GET" && l.Path.EndsWith("/blobs/" + layer.Digest, StringComparison.Ordinal)).Select(l => l.Cache).ToList();
        var context = string.Join(",", outcomes) + bed.Describe();
        Assert.True(outcomes.Count == 10, context);
        Assert.True(outcomes.Count(o => o == "miss") == 1, context);
        Assert.True(outcomes.All(o => o is "miss" or "shared" or "hit"), context);
        Assert.True(outcomes.Any(o => o == "shared"), "no request joined the running download; the single-flight path was not exercised: " + context);
        Assert.Equal(1, UpstreamLog.Count(bed.Docker.Output, "GET", $"/blobs/{layer.Digest}"));
    }

    [Fact]
    public async Task SkopeoCopy_TenConcurrentColdPulls_EachBlobFetchedOnce()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/concurrent-image", "1").WithLayer(8 * 1024 * 1024, 1811).WithLayer(1024 * 1024, 1812).PushAsync(bed.Docker);
        var skopeos = Enumerable.Range(0, 10).Select(_ => new Skopeo { Timeout = TimeSpan.FromSeconds(120) }).ToList();
        // The push itself HEADs each blob upstream; count only what happens from here on.
        var headsBefore = UpstreamLog.Count(bed.Docker.Output, "HEAD", "/blobs/" + image.Layers[0].Digest);
        try
        {
            var copies = await Task.WhenAll(skopeos.Select(s => s.CopyToDirAsync($"docker://{bed.Edge.Host}/concurrent-image:1")));

            Assert.All(copies, c => Assert.True(c.Succeeded, c.Command.Describe() + bed.Describe()));
            Assert.All(copies, c => Assert.Equal(image.ManifestDigest, c.ManifestDigest));
            foreach (var digest in image.Layers.Select(l => l.Digest).Append(image.ConfigDigest))
            {
                Assert.All(copies, c => Assert.True(File.Exists(Path.Combine(c.Directory, digest["sha256:".Length..]))));
                var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Path.EndsWith(digest, StringComparison.Ordinal)) >= 10);
                var outcomes = lines.Where(l => l.Method == "GET" && l.Path.EndsWith("/blobs/" + digest, StringComparison.Ordinal)).Select(l => l.Cache).ToList();
                var context = digest + ": " + string.Join(",", outcomes) + bed.Describe();
                Assert.True(outcomes.Count == 10, context);
                Assert.True(outcomes.Count(o => o == "miss") == 1, context);
                Assert.True(outcomes.All(o => o is "miss" or "shared" or "hit"), context);
                Assert.True(UpstreamLog.Count(bed.Docker.Output, "GET", "/blobs/" + digest) == 1, context);
            }

            // Any upstream HEAD of a blob is a client's HEAD passed through (a miss is never answered from a partial download).
            var clientHeads = ProxyLog.Parse(bed.Edge.Output).Count(l => l.Method == "HEAD" && l.Path.Contains("/blobs/", StringComparison.Ordinal));
            Assert.True(UpstreamLog.Count(bed.Docker.Output, "HEAD", "/blobs/" + image.Layers[0].Digest) - headsBefore <= clientHeads, bed.Describe());
        }
        finally
        {
            foreach (var skopeo in skopeos)
            {
                skopeo.Dispose();
            }
        }
    }
}
