using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class PullListScriptTests
{
    private const string List = "# images for the pull-list test\n\n   \nbusybox-test:1   # Docker Hub official image\n\n# from ghcr\nghcr.io/owner/app:1\n";

    [Fact]
    public async Task PullList_SkopeoPathForm_AllImagesCopiedWithUpstreamDigests()
    {
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: true);
        var hub = await TestImage.Create("library/busybox-test", "1").WithLayer(256 * 1024, 1501).PushAsync(bed.Docker);
        var app = await TestImage.Create("owner/app", "1").WithLayer(256 * 1024, 1502).PushAsync(bed.GhcrUpstream);
        using var work = new TempDirectory("edge-pull-list-");
        var listFile = work.Combine("images.txt");
        await File.WriteAllTextAsync(listFile, List);
        Prerequisites.Require("bash", "skopeo");

        var result = await RunScriptAsync(
            ["--mirror", bed.Edge.Host, "--insecure", "--tool", "skopeo", "--skopeo-dest", $"dir:{work.Path}/out/{{name}}", "--retries", "0", listFile],
            work.Path);

        Assert.True(result.ExitCode == 0, result.Describe() + bed.Describe());
        Assert.Contains("summary: 2 ok, 0 failed, 0 skipped", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(hub.ManifestDigest, await LayerArchive.DigestOfFileAsync(Path.Combine(work.Path, "out", "docker.io_library_busybox-test_1", "manifest.json")));
        Assert.Equal(app.ManifestDigest, await LayerArchive.DigestOfFileAsync(Path.Combine(work.Path, "out", "ghcr.io_owner_app_1", "manifest.json")));
        DockerdPullTests.AssertServedThroughProxy(bed, hub, "docker", "library/busybox-test");
        DockerdPullTests.AssertServedThroughProxy(bed, app, "ghcr", "owner/app");
    }

    [Fact]
    public async Task PullList_DockerPathForm_ImagesRetaggedToOriginalNames()
    {
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: true);
        var hub = await TestImage.Create("library/busybox-test", "1").WithLayer(256 * 1024, 1511).PushAsync(bed.Docker);
        var app = await TestImage.Create("owner/app", "1").WithLayer(256 * 1024, 1512).PushAsync(bed.GhcrUpstream);
        await using var dockerd = await Dockerd.StartAsync();
        using var work = new TempDirectory("edge-pull-list-");
        var listFile = work.Combine("images.txt");
        await File.WriteAllTextAsync(listFile, List);

        var result = await RunScriptAsync(
            ["--mirror", bed.Edge.Host, "--insecure", "--tool", "docker", "--tool-arg", "-H", "--tool-arg", dockerd.Host, "--retries", "0", listFile],
            work.Path);

        Assert.True(result.ExitCode == 0, result.Describe() + bed.Describe() + dockerd.Output);
        Assert.Contains("summary: 2 ok, 0 failed, 0 skipped", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(hub.ConfigDigest, await ImageIdAsync(dockerd, "busybox-test:1"));
        Assert.Equal(app.ConfigDigest, await ImageIdAsync(dockerd, "ghcr.io/owner/app:1"));
        DockerdPullTests.AssertServedThroughProxy(bed, hub, "docker", "library/busybox-test");
        DockerdPullTests.AssertServedThroughProxy(bed, app, "ghcr", "owner/app");
    }

    [Fact]
    public async Task PullList_MissingImage_ExitOneAndFailureListed()
    {
        await using var bed = await ProxyTestbed.StartAsync(withGhcr: true);
        var app = await TestImage.Create("owner/app", "1").WithLayer(64 * 1024, 1521).PushAsync(bed.GhcrUpstream);
        using var work = new TempDirectory("edge-pull-list-");
        var listFile = work.Combine("images.txt");
        await File.WriteAllTextAsync(listFile, "ghcr.io/owner/app:1\n# gone\nghcr.io/owner/missing:1\n");

        var result = await RunScriptAsync(
            ["--mirror", bed.Edge.Host, "--insecure", "--tool", "skopeo", "--skopeo-dest", $"dir:{work.Path}/out/{{name}}", "--retries", "0", listFile],
            work.Path);

        Assert.True(result.ExitCode == 1, result.Describe() + bed.Describe());
        Assert.Contains("summary: 1 ok, 1 failed, 0 skipped", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("FAIL ghcr.io/owner/missing:1", result.StandardOutput, StringComparison.Ordinal);
        var failed = result.StandardOutput[result.StandardOutput.IndexOf("failed:", StringComparison.Ordinal)..];
        Assert.Contains("ghcr.io/owner/missing:1", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("ghcr.io/owner/app:1", failed, StringComparison.Ordinal);
        Assert.Equal(app.ManifestDigest, await LayerArchive.DigestOfFileAsync(Path.Combine(work.Path, "out", "ghcr.io_owner_app_1", "manifest.json")));
        Assert.Contains(await ProxyLogWait.UntilAsync(bed.Edge, lines => lines.Any(l => l.Path == "/v2/ghcr.io/owner/missing/manifests/1" && l.Status == 404)), l => l.Path == "/v2/ghcr.io/owner/missing/manifests/1" && l.Status == 404);
    }

    private static async Task<string> ImageIdAsync(Dockerd dockerd, string reference)
    {
        var inspect = await dockerd.DockerAsync("image", "inspect", "--format", "{{.Id}}", reference);
        Assert.True(inspect.Succeeded, inspect.Describe());
        return inspect.StandardOutput.Trim();
    }

    private static Task<CommandResult> RunScriptAsync(IEnumerable<string> arguments, string workingDirectory)
    {
        var script = Path.Combine(RepositoryRoot.Find(), "scripts", "pull-list.sh");
        Assert.True(File.Exists(script), script + " not found");
        return CommandRunner.RunAsync(
            "bash",
            [script, .. arguments],
            TimeSpan.FromSeconds(180),
            new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["HTTP_PROXY"] = null,
                ["HTTPS_PROXY"] = null,
                ["http_proxy"] = null,
                ["https_proxy"] = null,
                ["EDGE_MIRROR"] = null,
                ["DOCKER_HOST"] = null,
                ["TMPDIR"] = workingDirectory,
            });
    }
}
