using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class DistributionRegistryTests
{
    [Fact]
    public async Task PushAsync_PlainRegistry_SkopeoCopyDigestEqualsPushedDigest()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/plain-test", "1").WithLayer(64 * 1024, 1).WithLayer(10, 2).PushAsync(registry);
        using var skopeo = new Skopeo();

        var copy = await skopeo.CopyToDirAsync("docker://" + image.Reference(registry.Host));

        Assert.True(copy.Succeeded, copy.Command.Describe());
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        Assert.Equal(MediaTypes.DockerManifest, image.ManifestMediaType);
        Assert.Equal(2, image.Layers.Count);
        foreach (var layer in image.Layers)
        {
            var blob = Path.Combine(copy.Directory, layer.Digest["sha256:".Length..]);
            Assert.Equal(layer.Size, new FileInfo(blob).Length);
            Assert.Equal(layer.Digest, await LayerArchive.DigestOfFileAsync(blob));
        }
    }

    [Fact]
    public async Task StartNewAsync_ProxyRemoteUrl_ServesUpstreamImage()
    {
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/proxied", "1").WithLayer(8 * 1024 * 1024, 5).PushAsync(upstream);
        await using var proxy = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { ProxyRemoteUrl = upstream.Url });
        using var skopeo = new Skopeo();

        var copy = await skopeo.CopyToDirAsync("docker://" + image.Reference(proxy.Host));

        Assert.True(copy.Succeeded, copy.Command.Describe() + proxy.Output);
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        Assert.Contains("/v2/library/proxied/manifests/1", upstream.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushAsync_OciIndex_InspectRawReturnsExactIndexBytes()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/oci-test", "2").AsOci().InIndex().WithLayer(4096, 3).PushAsync(registry);
        using var skopeo = new Skopeo();

        var raw = await skopeo.InspectRawAsync("docker://" + image.Reference(registry.Host));
        var copy = await skopeo.CopyToDirAsync("docker://" + image.Reference(registry.Host));

        Assert.True(raw.Succeeded, raw.Describe());
        Assert.Equal(image.ManifestJson, raw.StandardOutput.TrimEnd('\n'));
        Assert.Equal(MediaTypes.OciIndex, image.ManifestMediaType);
        Assert.True(copy.Succeeded, copy.Command.Describe());
        Assert.Equal(image.ImageManifestDigest, copy.ManifestDigest);
    }

    [Fact]
    public async Task StartAsync_AfterStop_SamePortStillServesImage()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/restart-test", "1").PushAsync(registry);
        var port = registry.Port;
        using var skopeo = new Skopeo();

        await registry.StopAsync();
        var whileDown = await skopeo.InspectRawAsync("docker://" + image.Reference(registry.Host));
        await registry.StartAsync();
        var copy = await skopeo.CopyToDirAsync("docker://" + image.Reference(registry.Host));

        Assert.False(whileDown.Succeeded, whileDown.Describe());
        Assert.Equal(port, registry.Port);
        Assert.True(copy.Succeeded, copy.Command.Describe());
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
    }

    [Fact]
    public async Task Kill_RunningRegistry_StopsServingAndRestarts()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/kill-test", "1").PushAsync(registry);
        using var skopeo = new Skopeo();

        registry.Kill();
        var running = registry.IsRunning;
        await registry.StartAsync();
        var raw = await skopeo.InspectRawAsync("docker://" + image.Reference(registry.Host));

        Assert.False(running);
        Assert.True(raw.Succeeded, raw.Describe());
        Assert.Equal(image.ManifestJson, raw.StandardOutput.TrimEnd('\n'));
    }

    [Fact]
    public async Task Kill_DuringBlobDownload_TruncatesTransfer()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/big", "1").WithLayer(32 * 1024 * 1024, 9).PushAsync(registry);
        var layer = image.Layers[0];
        using var http = new HttpClient();
        using var response = await http.GetAsync(
            new Uri($"{registry.Url}/v2/{image.Repository}/blobs/{layer.Digest}"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        var received = (long)await body.ReadAsync(buffer);

        registry.Kill();
        var drain = async () =>
        {
            for (var read = 1; read > 0; received += read)
            {
                read = await body.ReadAsync(buffer);
            }
        };

        await Assert.ThrowsAnyAsync<IOException>(drain);
        Assert.True(received < layer.Size);
        Assert.False(registry.IsRunning);
    }
}
