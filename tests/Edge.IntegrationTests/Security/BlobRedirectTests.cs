using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>
/// Blob GETs answered with 307 to a CDN on another port that rejects any Authorization (like signed S3/R2 URLs): the
/// proxy follows the redirect itself, without credentials, keeping Range.
/// </summary>
public sealed class BlobRedirectTests
{
    [Fact]
    public async Task BlobRedirect_ToCdnRejectingAuthorization_ProxyFollowsWithoutAuthorizationForSkopeoDockerAndRange()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/redir-test", "1").WithLayer(512 * 1024, 31).WithLayer(64 * 1024, 32).PushAsync(registry);
        var frontPort = FreePort.Next();
        var cdnPort = FreePort.Next();
        var distribution = "http://127.0.0.1:" + Nginx.Port(registry.Port);
        await using var nginx = await Nginx.StartAsync(
            $$"""
              server {
                listen 127.0.0.1:{{Nginx.Port(frontPort)}};
                access_log @DIR@/front.log edge;
                location ~ ^/v2/.+/blobs/sha256: {
                  if ($request_method ~ ^(GET|HEAD)$) {
                    return 307 http://127.0.0.1:{{Nginx.Port(cdnPort)}}$request_uri;
                  }
                  proxy_pass {{distribution}};
                }
                location / {
                  proxy_pass {{distribution}};
                }
              }
              server {
                listen 127.0.0.1:{{Nginx.Port(cdnPort)}};
                access_log @DIR@/cdn.log edge;
                location / {
                  if ($http_authorization != "") {
                    return 400 'Only one auth mechanism allowed';
                  }
                  proxy_pass {{distribution}};
                }
              }
            """,
            frontPort,
            cdnPort);
        var front = "http://127.0.0.1:" + Nginx.Port(frontPort);
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", front)
            .WithSetting("Logging:LogLevel:Edge.RegistryProxy", "Debug")
            .StartAsync();
        using var http = EdgeHttp.CreateClient();
        var big = image.Layers[0];

        // The setup really redirects, and the CDN really refuses an Authorization header.
        using (var direct = await http.GetAsync($"{front}/v2/library/redir-test/blobs/{big.Digest}"))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, direct.StatusCode);
        }

        var rejected = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"http://127.0.0.1:{Nginx.Port(cdnPort)}/v2/library/redir-test/blobs/{big.Digest}", "Bearer client-token");
        Assert.Equal(HttpStatusCode.BadRequest, rejected.Status);

        // 1. Range on a miss: passed through the redirect with Range kept (206), even when the client sent Authorization.
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, $"{edge.Url}/v2/redir-test/blobs/{big.Digest}"))
        {
            ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1000, null);
            ranged.Headers.TryAddWithoutValidation("Authorization", "Bearer client-secret-token");
            using var response = await http.SendAsync(ranged);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.True(response.StatusCode == HttpStatusCode.PartialContent, $"{(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
            Assert.Equal($"bytes 1000-{big.Size - 1}/{big.Size}", response.Content.Headers.ContentRange?.ToString());
            Assert.Equal(big.Size - 1000, bytes.Length);
        }

        var afterRange = nginx.ReadLog("cdn.log");
        Assert.True(
            afterRange.Contains($"\"GET /v2/library/redir-test/blobs/{big.Digest} HTTP/1.1\" 206 auth=\"-\" range=\"bytes=1000-\"", StringComparison.Ordinal),
            "CDN log: " + afterRange);

        // 2. skopeo through the proxy (anonymous).
        using var skopeo = new Skopeo();
        var copy = await skopeo.CopyToDirAsync("docker://" + image.Reference(edge.Host).Replace("library/", "", StringComparison.Ordinal));
        Assert.True(copy.Succeeded, copy.Command.Describe() + edge.Output + nginx.Output);
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        foreach (var layer in image.Layers)
        {
            Assert.Equal(layer.Digest, await LayerArchive.DigestOfFileAsync(Path.Combine(copy.Directory, layer.Digest["sha256:".Length..])));
        }

        // 3. dockerd through the proxy, with a second image so its blobs are misses too.
        var second = await TestImage.Create("library/redir-two", "1").WithLayer(256 * 1024, 33).PushAsync(registry);
        await using var dockerd = await Dockerd.StartAsync();
        var secondReference = $"{edge.Host}/redir-two:1";
        var pull = await dockerd.PullAsync(secondReference);
        Assert.True(pull.Succeeded, pull.Describe() + edge.Output + nginx.Output);
        Assert.Contains($"{edge.Host}/redir-two@{second.ManifestDigest}", await dockerd.RepoDigestsAsync(secondReference));

        // The CDN served every blob, never saw an Authorization, and was only reached by the proxy: the clients got
        // 200s from the proxy (never a 307), and the proxy logged following each redirect.
        var cdn = nginx.ReadLog("cdn.log");
        string[] blobs = [.. image.Layers.Select(l => l.Digest), image.ConfigDigest, .. second.Layers.Select(l => l.Digest), second.ConfigDigest];
        foreach (var digest in blobs)
        {
            var repository = digest == second.ConfigDigest || second.Layers.Any(l => l.Digest == digest) ? "redir-two" : "redir-test";
            Assert.True(cdn.Contains($"\"GET /v2/library/{repository}/blobs/{digest} HTTP/1.1\" 200 auth=\"-\"", StringComparison.Ordinal), $"{digest} not fetched from the CDN without Authorization: {cdn}");
        }

        var cdnLines = cdn.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(cdnLines.Where(l => !l.Contains(" 400 ", StringComparison.Ordinal)), l => Assert.Contains("auth=\"-\"", l, StringComparison.Ordinal));
        Assert.Single(cdnLines, l => !l.Contains("auth=\"-\"", StringComparison.Ordinal)); // only our own probe above
        Assert.Contains("redirected to host 127.0.0.1; following without credentials", edge.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" 307 upstream=", edge.Output, StringComparison.Ordinal);
        Assert.Matches($@"GET /v2/redir-two/blobs/{second.Layers[0].Digest} 200 upstream=docker repo=library/redir-two cache=(miss|shared|hit)", edge.Output);
        await EdgeHttp.AssertHealthyAsync(edge);
    }
}
