using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class SkopeoPathFormTests
{
    [Fact]
    public async Task SkopeoCopy_PathFormGhcrReference_DigestAndLayersMatchUpstream()
    {
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: true);
        var image = await TestImage.Create("owner/app", "1").WithLayer(512 * 1024, 401).WithLayer(64 * 1024, 402).PushAsync(bed.GhcrUpstream);
        using var skopeo = new Skopeo();

        var copy = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/ghcr.io/owner/app:1");

        Assert.True(copy.Succeeded, copy.Command.Describe() + bed.Describe());
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        var lines = ProxyLog.Parse(bed.Edge.Output);
        foreach (var layer in image.Layers)
        {
            Assert.Equal(layer.Digest, await LayerArchive.DigestOfFileAsync(Path.Combine(copy.Directory, layer.Digest["sha256:".Length..])));
            Assert.Contains(lines, l => l.Path == $"/v2/ghcr.io/owner/app/blobs/{layer.Digest}" && l.Status == 200
                && l.Upstream == "ghcr" && l.Repository == "owner/app" && l.Cache == "miss");
        }

        Assert.Equal(1, UpstreamLog.Count(bed.GhcrUpstream.Output, "GET", "/v2/owner/app/manifests/1"));
        Assert.Equal(0, UpstreamLog.Count(bed.Docker.Output, "GET", "/v2/owner/app/manifests/1"));
    }
}
