using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class ManifestCacheTests
{
    private static readonly string Accept = string.Join(", ", MediaTypes.AllManifests);

    [Fact]
    public async Task ManifestHead_CachedTag_ExactHeadersWithoutUpstreamContact()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/head-test", "1").WithLayer(4096, 1101).PushAsync(bed.Docker);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var get = await SendAsync(http, HttpMethod.Get, $"{bed.Edge.Url}/v2/head-test/manifests/1");
        Assert.True(get.StatusCode == HttpStatusCode.OK, bed.Describe());
        var upstreamBefore = bed.Docker.Output;

        using var head = await SendAsync(http, HttpMethod.Head, $"{bed.Edge.Url}/v2/head-test/manifests/1");
        var headBody = await head.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(MediaTypes.DockerManifest, head.Content.Headers.ContentType?.ToString());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(image.ManifestJson), head.Content.Headers.ContentLength);
        Assert.True(head.Content.Headers.ContentLength > 0);
        Assert.Equal(image.ManifestDigest, head.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal("registry/2.0", head.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.Empty(headBody);
        var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Any(x => x.Method == "HEAD" && x.Path == "/v2/head-test/manifests/1"));
        Assert.Equal("hit", lines.Last(l => l.Method == "HEAD" && l.Path == "/v2/head-test/manifests/1").Cache);
        Assert.Equal(UpstreamLog.Count(upstreamBefore, "HEAD", "/manifests/1"), UpstreamLog.Count(bed.Docker.Output, "HEAD", "/manifests/1"));
        Assert.Equal(UpstreamLog.Count(upstreamBefore, "GET", "/manifests/1"), UpstreamLog.Count(bed.Docker.Output, "GET", "/manifests/1"));
    }

    [Fact]
    public async Task ManifestGet_ByDigestAndFreshTagAfterPull_ServedFromCache()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/digest-test", "1").WithLayer(4096, 1111).PushAsync(bed.Docker);
        using var skopeo = new Skopeo();
        var copy = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/digest-test:1");
        Assert.True(copy.Succeeded, copy.Command.Describe() + bed.Describe());
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        var tagGetsBefore = UpstreamLog.Count(bed.Docker.Output, "GET", "/v2/library/digest-test/manifests/1");
        var tagHeadsBefore = UpstreamLog.Count(bed.Docker.Output, "HEAD", "/v2/library/digest-test/manifests/1");
        var digestGetsBefore = UpstreamLog.Count(bed.Docker.Output, "GET", $"/v2/library/digest-test/manifests/{image.ManifestDigest}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var byDigest = await SendAsync(http, HttpMethod.Get, $"{bed.Edge.Url}/v2/digest-test/manifests/{image.ManifestDigest}");
        var byDigestBody = await byDigest.Content.ReadAsStringAsync();
        // Tag records are keyed by the client's Accept: this client's first tag GET asks upstream once, the second is a hit.
        using var byTagFirst = await SendAsync(http, HttpMethod.Get, $"{bed.Edge.Url}/v2/digest-test/manifests/1");
        using var byTag = await SendAsync(http, HttpMethod.Get, $"{bed.Edge.Url}/v2/digest-test/manifests/1");
        var byTagBody = await byTag.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, byDigest.StatusCode);
        Assert.Equal(image.ManifestJson, byDigestBody);
        Assert.Equal(image.ManifestDigest, byDigest.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(HttpStatusCode.OK, byTag.StatusCode);
        Assert.Equal(image.ManifestJson, byTagBody);
        var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Any(x => x.Path == $"/v2/digest-test/manifests/{image.ManifestDigest}")
            && l.Count(x => x.Path == "/v2/digest-test/manifests/1") >= 3);
        var context = string.Join('\n', lines) + bed.Describe();
        Assert.True(lines.Where(x => x.Path == $"/v2/digest-test/manifests/{image.ManifestDigest}").Select(x => x.Cache).SequenceEqual(["hit"]), context);
        Assert.True(lines.Where(x => x.Path == "/v2/digest-test/manifests/1").Select(x => x.Cache).SequenceEqual(["miss", "miss", "hit"]), context);
        Assert.Equal(HttpStatusCode.OK, byTagFirst.StatusCode);
        Assert.Equal(tagGetsBefore + 1, UpstreamLog.Count(bed.Docker.Output, "GET", "/v2/library/digest-test/manifests/1"));
        Assert.Equal(tagHeadsBefore, UpstreamLog.Count(bed.Docker.Output, "HEAD", "/v2/library/digest-test/manifests/1"));
        Assert.Equal(digestGetsBefore, UpstreamLog.Count(bed.Docker.Output, "GET", $"/v2/library/digest-test/manifests/{image.ManifestDigest}"));
    }

    [Fact]
    public async Task ManifestGet_TagTtlExpired_RevalidatesWithHeadAndPicksUpRepush()
    {
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: false, ("Registry:TagTtl", "00:00:01"));
        var first = await TestImage.Create("library/ttl-test", "1").WithLayer(4096, 1121).PushAsync(bed.Docker);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = $"{bed.Edge.Url}/v2/ttl-test/manifests/1";

        var initial = await GetManifestAsync(http, url);
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var headsBefore = UpstreamLog.Count(bed.Docker.Output, "HEAD", "/v2/library/ttl-test/manifests/1");
        var getsBefore = UpstreamLog.Count(bed.Docker.Output, "GET", "/v2/library/ttl-test/manifests/1");
        var revalidated = await GetManifestAsync(http, url);
        var headsAfter = UpstreamLog.Count(bed.Docker.Output, "HEAD", "/v2/library/ttl-test/manifests/1");
        var getsAfter = UpstreamLog.Count(bed.Docker.Output, "GET", "/v2/library/ttl-test/manifests/1");
        var second = await TestImage.Create("library/ttl-test", "1").WithLayer(4096, 1122).PushAsync(bed.Docker);
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var moved = await GetManifestAsync(http, url);

        Assert.Equal(first.ManifestDigest, initial);
        Assert.Equal(first.ManifestDigest, revalidated);
        Assert.Equal(headsBefore + 1, headsAfter);
        Assert.Equal(getsBefore, getsAfter);
        Assert.NotEqual(first.ManifestDigest, second.ManifestDigest);
        Assert.Equal(second.ManifestDigest, moved);
        var lines = (await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Path == "/v2/ttl-test/manifests/1") >= 3))
            .Where(l => l.Path == "/v2/ttl-test/manifests/1").Select(l => l.Cache).ToList();
        Assert.True(lines.SequenceEqual(["miss", "revalidated", "miss"]), string.Join(",", lines) + bed.Describe());
    }

    private static async Task<string> GetManifestAsync(HttpClient http, string url)
    {
        using var response = await SendAsync(http, HttpMethod.Get, url);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var digest = response.Headers.GetValues("Docker-Content-Digest").Single();
        Assert.Equal(LayerArchive.DigestOf(body), digest);
        return digest;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url)
    {
        using var request = new HttpRequestMessage(method, new Uri(url));
        request.Headers.TryAddWithoutValidation("Accept", Accept);
        return http.SendAsync(request);
    }
}
