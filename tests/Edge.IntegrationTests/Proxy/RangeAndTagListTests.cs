using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class RangeAndTagListTests
{
    [Fact]
    public async Task BlobGet_RangeOnCachedBlob_PartialContentWithExactBytes()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/range-test", "1").WithLayer(300 * 1024, 1001).PushAsync(bed.Docker);
        var layer = image.Layers[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var whole = await http.GetByteArrayAsync(new Uri($"{bed.Edge.Url}/v2/range-test/blobs/{layer.Digest}"));
        Assert.Equal(layer.Digest, LayerArchive.DigestOf(whole));

        var (middle, middleRange) = await GetRangeAsync(http, bed, layer.Digest, "bytes=1000-70999");
        var (tail, tailRange) = await GetRangeAsync(http, bed, layer.Digest, "bytes=-100");
        var (open, openRange) = await GetRangeAsync(http, bed, layer.Digest, string.Create(CultureInfo.InvariantCulture, $"bytes={layer.Size - 10}-"));

        Assert.Equal(whole[1000..71000], middle);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"bytes 1000-70999/{layer.Size}"), middleRange);
        Assert.Equal(whole[^100..], tail);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"bytes {layer.Size - 100}-{layer.Size - 1}/{layer.Size}"), tailRange);
        Assert.Equal(whole[^10..], open);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"bytes {layer.Size - 10}-{layer.Size - 1}/{layer.Size}"), openRange);
        var gets = (await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Method == "GET" && x.Path.EndsWith(layer.Digest, StringComparison.Ordinal)) >= 4))
            .Where(l => l.Method == "GET" && l.Path.EndsWith("/blobs/" + layer.Digest, StringComparison.Ordinal)).ToList();
        Assert.Equal(["miss", "hit", "hit", "hit"], gets.Select(l => l.Cache));
        Assert.Equal(1, UpstreamLog.Count(bed.Docker.Output, "GET", $"/blobs/{layer.Digest}"));
    }

    [Fact]
    public async Task TagList_PageSizeOne_RealUpstreamReceivesN()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        await TestImage.Create("library/busybox-test", "1").WithLayer(1024, 1011).PushAsync(bed.Docker);
        await TestImage.Create("library/busybox-test", "2").WithLayer(1024, 1012).PushAsync(bed.Docker);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri($"{bed.Edge.Url}/v2/busybox-test/tags/list?n=1"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body + bed.Describe());
        Assert.Contains("1", Tags(body));
        Assert.Contains("GET /v2/library/busybox-test/tags/list?n=1 ", bed.Docker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TagList_PaginatingUpstream_PassesNAndRewritesLinkToClientName()
    {
        using var upstream = new PaginatingTagUpstream("library/busybox-test", "1", "2");
        await using var edge = await EdgeProcess.Create().WithSetting("Registry:Upstreams:docker:Url", upstream.Url).StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var first = await http.GetAsync(new Uri($"{edge.Url}/v2/busybox-test/tags/list?n=1"));
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstBody + edge.Output);
        Assert.True(first.Headers.TryGetValues("Link", out var links), "no Link header passed through" + edge.Output);
        var link = Assert.Single(links);
        var next = ParseNextLink(link);
        using var second = await http.GetAsync(new Uri(new Uri(edge.Url), next));
        var secondBody = await second.Content.ReadAsStringAsync();

        Assert.Equal(["1"], Tags(firstBody));
        Assert.Equal("/v2/busybox-test/tags/list?last=1&n=1", next);
        Assert.Contains("rel=\"next\"", link, StringComparison.Ordinal);
        Assert.True(second.StatusCode == HttpStatusCode.OK, secondBody + edge.Output);
        Assert.Equal(["2"], Tags(secondBody));
        Assert.False(second.Headers.Contains("Link"));
        Assert.Equal(["GET /v2/library/busybox-test/tags/list?n=1", "GET /v2/library/busybox-test/tags/list?last=1&n=1"], upstream.Requests.Where(r => r.Contains("/tags/", StringComparison.Ordinal)));
    }

    private static async Task<(byte[] Bytes, string ContentRange)> GetRangeAsync(HttpClient http, ProxyTestbed bed, string digest, string range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{bed.Edge.Url}/v2/range-test/blobs/{digest}"));
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.PartialContent, $"{range}: {(int)response.StatusCode}" + bed.Describe());
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
        return (bytes, response.Content.Headers.GetValues("Content-Range").Single());
    }

    private static string ParseNextLink(string link)
    {
        var start = link.IndexOf('<', StringComparison.Ordinal);
        var end = link.IndexOf('>', StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "Unparsable Link header: " + link);
        return link[(start + 1)..end];
    }

    private static string[] Tags(string body)
    {
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];
    }
}
