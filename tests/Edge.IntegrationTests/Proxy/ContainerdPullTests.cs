using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class ContainerdPullTests
{
    [Fact]
    public async Task CtrPull_DefaultHostsTomlOneMirror_NamespaceSelectsUpstream()
    {
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: true);
        var hub = await TestImage.Create("library/busybox-test", "1").WithLayer(512 * 1024, 1301).PushAsync(bed.Docker);
        var app = await TestImage.Create("owner/app", "1").WithLayer(512 * 1024, 1302).PushAsync(bed.GhcrUpstream);
        var oci = await TestImage.Create("library/oci-test", "1").AsOci().InIndex().WithLayer(256 * 1024, 1303).PushAsync(bed.Docker);
        await using var containerd = await Containerd.StartAsync();
        using var hosts = new TempDirectory("edge-hosts-");
        HostsToml.WriteDefault(hosts.Path, bed.Edge.Url);

        var hubPull = await containerd.PullAsync("docker.io/library/busybox-test:1", hosts.Path);
        var appPull = await containerd.PullAsync("ghcr.io/owner/app:1", hosts.Path);
        var ociPull = await containerd.PullAsync("docker.io/library/oci-test:1", hosts.Path);

        Assert.True(hubPull.Succeeded, hubPull.Describe() + bed.Describe() + containerd.Output);
        Assert.True(appPull.Succeeded, appPull.Describe() + bed.Describe() + containerd.Output);
        Assert.True(ociPull.Succeeded, ociPull.Describe() + bed.Describe() + containerd.Output);
        Assert.Equal(hub.ManifestDigest, await containerd.ImageDigestAsync("docker.io/library/busybox-test:1"));
        Assert.Equal(app.ManifestDigest, await containerd.ImageDigestAsync("ghcr.io/owner/app:1"));
        Assert.Equal(oci.ManifestDigest, await containerd.ImageDigestAsync("docker.io/library/oci-test:1"));
        Assert.True(oci.IsIndex);
        DockerdPullTests.AssertServedThroughProxy(bed, hub, "docker", "library/busybox-test");
        DockerdPullTests.AssertServedThroughProxy(bed, app, "ghcr", "owner/app");
        DockerdPullTests.AssertServedThroughProxy(bed, oci, "docker", "library/oci-test");
        Assert.Contains(await ProxyLogWait.UntilAsync(bed.Edge, lines => lines.Any(l => l.Path == $"/v2/library/oci-test/manifests/{oci.ImageManifestDigest}" && l.Status == 200)), l => l.Path == $"/v2/library/oci-test/manifests/{oci.ImageManifestDigest}" && l.Status == 200);
        // containerd asked the one endpoint with ?ns=: the paths carry no registry prefix, yet /v2/owner/app (which on the bare
        // host would mean docker.io) went to the ghcr upstream, and nothing reached the wrong upstream.
        Assert.DoesNotContain(ProxyLog.Parse(bed.Edge.Output), l => l.Path.Contains("ghcr.io", StringComparison.Ordinal));
        Assert.Equal(0, UpstreamLog.Count(bed.Docker.Output, "GET", "/v2/owner/app/manifests/1"));
        Assert.Equal(0, UpstreamLog.Count(bed.GhcrUpstream.Output, "GET", "/v2/library/busybox-test/manifests/1"));
    }
}
