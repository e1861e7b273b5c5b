using System.Globalization;
using System.Text.Json;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class DockerdPullTests
{
    [Fact]
    public async Task DockerPull_RegistryMirror_PullsThroughProxyWithUpstreamDigest()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/busybox-test", "1").WithLayer(1024 * 1024, 1201).WithLayer(2048, 1202).PushAsync(bed.Docker);
        await using var dockerd = await Dockerd.StartAsync(new DockerdOptions { RegistryMirrors = [bed.Edge.Url] });

        var pull = await dockerd.PullAsync("busybox-test:1");
        var digests = await dockerd.RepoDigestsAsync("busybox-test:1");
        var registryConfig = await dockerd.DockerAsync("info", "--format", "{{json .RegistryConfig}}");

        Assert.True(pull.Succeeded, pull.Describe() + bed.Describe() + dockerd.Output);
        Assert.Contains($"busybox-test@{image.ManifestDigest}", digests);
        AssertServedThroughProxy(bed, image, "docker", "library/busybox-test");
        // dockerd knows only the proxy: the upstream is neither a mirror nor a configured registry of its own.
        Assert.True(registryConfig.Succeeded, registryConfig.Describe());
        using var config = JsonDocument.Parse(registryConfig.StandardOutput);
        var mirrors = config.RootElement.GetProperty("Mirrors").EnumerateArray().Select(m => m.GetString()!.TrimEnd('/')).ToList();
        Assert.Equal([bed.Edge.Url], mirrors);
        Assert.DoesNotContain(bed.Docker.Host, registryConfig.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(bed.Docker.Port.ToString(CultureInfo.InvariantCulture), registryConfig.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerPull_PrefixedSubdomainHosts_DigestsMatchEachUpstream()
    {
        EdgeHosts.Ensure("docker.edge.test", "ghcr.edge.test");
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: true, ("Registry:Domain", "edge.test"));
        var hub = await TestImage.Create("library/busybox-test", "1").WithLayer(512 * 1024, 1211).PushAsync(bed.Docker);
        var app = await TestImage.Create("owner/app", "1").WithLayer(512 * 1024, 1212).PushAsync(bed.GhcrUpstream);
        var port = bed.Edge.Port.ToString(CultureInfo.InvariantCulture);
        await using var dockerd = await Dockerd.StartAsync();
        var ghcrReference = $"ghcr.edge.test:{port}/owner/app:1";
        var dockerReference = $"docker.edge.test:{port}/busybox-test:1";

        var ghcrPull = await dockerd.PullAsync(ghcrReference);
        var dockerPull = await dockerd.PullAsync(dockerReference);

        Assert.True(ghcrPull.Succeeded, ghcrPull.Describe() + bed.Describe() + dockerd.Output);
        Assert.True(dockerPull.Succeeded, dockerPull.Describe() + bed.Describe() + dockerd.Output);
        Assert.Contains($"ghcr.edge.test:{port}/owner/app@{app.ManifestDigest}", await dockerd.RepoDigestsAsync(ghcrReference));
        Assert.Contains($"docker.edge.test:{port}/busybox-test@{hub.ManifestDigest}", await dockerd.RepoDigestsAsync(dockerReference));
        AssertServedThroughProxy(bed, app, "ghcr", "owner/app");
        AssertServedThroughProxy(bed, hub, "docker", "library/busybox-test");
    }

    /// <summary>The proxy answered the manifest and every blob of <paramref name="image"/> with 200 for the named upstream and repository.</summary>
    internal static void AssertServedThroughProxy(ProxyTestbed bed, PushedImage image, string upstream, string repository)
    {
        var lines = ProxyLog.Parse(bed.Edge.Output).Where(l => l.Upstream == upstream && l.Repository == repository && l.Status == 200).ToList();
        var context = bed.Describe();
        Assert.True(lines.Any(l => l.Method == "GET" && l.Path.Contains("/manifests/", StringComparison.Ordinal)), "no manifest GET served by the proxy" + context);
        foreach (var digest in image.Layers.Select(l => l.Digest).Append(image.ConfigDigest))
        {
            Assert.True(lines.Any(l => l.Method == "GET" && l.Path.EndsWith("/blobs/" + digest, StringComparison.Ordinal)), $"blob {digest} not served by the proxy" + context);
        }
    }
}
