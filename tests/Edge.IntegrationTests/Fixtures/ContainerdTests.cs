using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class ContainerdTests
{
    [Fact]
    public async Task PullAsync_DockerHubMirrorInHostsToml_PullsFromRegistryWithNamespaceParameter()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/x", "1").WithLayer(128 * 1024, 11).PushAsync(registry);
        await using var containerd = await Containerd.StartAsync();
        using var hosts = new TempDirectory("edge-hosts-");
        HostsToml.Write(hosts.Path, "docker.io", registry.Url);

        var pull = await containerd.PullAsync("docker.io/library/x:1", hosts.Path);

        Assert.True(pull.Succeeded, pull.Describe() + registry.Output);
        Assert.Equal(image.ManifestDigest, await containerd.ImageDigestAsync("docker.io/library/x:1"));
        Assert.Contains("ns=docker.io", registry.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_DefaultMirrorAndOciIndex_ResolvesIndexDigest()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/y", "2").AsOci().InIndex().PushAsync(registry);
        await using var containerd = await Containerd.StartAsync();
        using var hosts = new TempDirectory("edge-hosts-");
        HostsToml.WriteDefault(hosts.Path, registry.Url);

        var pull = await containerd.PullAsync("docker.io/library/y:2", hosts.Path);

        Assert.True(pull.Succeeded, pull.Describe() + registry.Output);
        Assert.Equal(image.ManifestDigest, await containerd.ImageDigestAsync("docker.io/library/y:2"));
    }
}
