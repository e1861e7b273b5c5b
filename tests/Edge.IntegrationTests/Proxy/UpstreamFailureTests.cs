using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task Pull_UpstreamStopped_CachedImageStillPullsAndUncachedFailsClearly()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/busybox-test", "1").WithLayer(512 * 1024, 1601).PushAsync(bed.Docker);
        await TestImage.Create("library/never-pulled", "1").WithLayer(1024, 1602).PushAsync(bed.Docker);
        await using var dockerd = await Dockerd.StartAsync(new DockerdOptions { RegistryMirrors = [bed.Edge.Url] });
        using var skopeo = new Skopeo();
        var warmSkopeo = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/busybox-test:1");
        var warmDocker = await dockerd.PullAsync("busybox-test:1");
        Assert.True(warmSkopeo.Succeeded, warmSkopeo.Command.Describe() + bed.Describe());
        Assert.True(warmDocker.Succeeded, warmDocker.Describe() + bed.Describe());
        Assert.True((await dockerd.RemoveImageAsync("busybox-test:1")).Succeeded);

        await bed.Docker.StopAsync();
        var offlineSkopeo = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/busybox-test:1");
        var offlineDocker = await dockerd.PullAsync("busybox-test:1");
        var neverSkopeo = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/never-pulled:1");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var neverHttp = await http.GetAsync(new Uri($"{bed.Edge.Url}/v2/never-pulled/manifests/1"));
        var neverBody = await neverHttp.Content.ReadAsStringAsync();

        Assert.False(bed.Docker.IsRunning);
        Assert.True(offlineSkopeo.Succeeded, offlineSkopeo.Command.Describe() + bed.Describe());
        Assert.Equal(image.ManifestDigest, offlineSkopeo.ManifestDigest);
        Assert.True(offlineDocker.Succeeded, offlineDocker.Describe() + bed.Describe() + dockerd.Output);
        Assert.Contains($"busybox-test@{image.ManifestDigest}", await dockerd.RepoDigestsAsync("busybox-test:1"));
        Assert.False(neverSkopeo.Succeeded, neverSkopeo.Command.Describe());
        // containers/image shows registry error bodies only for 4xx; for a 5xx it prints the status line, so the proxy puts the
        // reason there: skopeo's user reads which upstream is down. Its request either found the upstream unreachable (502,
        // after two retries, whose failures open the circuit) or found the circuit already open (503). The JSON body is
        // checked below.
        Assert.True(
            neverSkopeo.Command.StandardError.Contains("502 upstream 'docker'", StringComparison.Ordinal) || neverSkopeo.Command.StandardError.Contains("503 upstream 'docker'", StringComparison.Ordinal),
            neverSkopeo.Command.Describe());
        Assert.True(
            neverSkopeo.Command.StandardError.Contains("unreachable", StringComparison.Ordinal) || neverSkopeo.Command.StandardError.Contains("considered down", StringComparison.Ordinal),
            neverSkopeo.Command.Describe());
        // By now upstream failed at least three times in a row: the circuit is open and the answer comes at once.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, neverHttp.StatusCode);
        Assert.True(neverHttp.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero, neverHttp.Headers.ToString());
        using var json = JsonDocument.Parse(neverBody);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("UNAVAILABLE", error.GetProperty("code").GetString());
        Assert.StartsWith($"upstream 'docker' ({bed.Docker.Url}) is considered down after repeated failures (last failure: Connection refused", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Upstream docker is considered down", bed.Edge.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManifestGet_UpstreamStoppedAndOtherClientAccept_ServesCachedTagOfAcceptableType()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/accept-test", "1").WithLayer(64 * 1024, 1603).PushAsync(bed.Docker);
        using var skopeo = new Skopeo();
        var warm = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/accept-test:1");
        Assert.True(warm.Succeeded, warm.Command.Describe() + bed.Describe());
        await bed.Docker.StopAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // A client with a different Accept set than skopeo's, which still takes the cached manifest's type.
        using var takes = new HttpRequestMessage(HttpMethod.Get, new Uri($"{bed.Edge.Url}/v2/accept-test/manifests/1"));
        takes.Headers.TryAddWithoutValidation("Accept", image.ManifestMediaType);
        using var served = await http.SendAsync(takes);
        var body = await served.Content.ReadAsByteArrayAsync();
        // A client that cannot take that type gets the upstream failure, not a manifest it did not ask for.
        using var refuses = new HttpRequestMessage(HttpMethod.Get, new Uri($"{bed.Edge.Url}/v2/accept-test/manifests/1"));
        refuses.Headers.TryAddWithoutValidation("Accept", "application/vnd.example.unknown+json");
        using var refused = await http.SendAsync(refuses);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(image.ManifestDigest, served.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(image.ManifestDigest, "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)));
        // The first request's three failed attempts opened the circuit: the refusal is the open circuit's 503, at once.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Any(x => x.Path == "/v2/accept-test/manifests/1" && x.Cache == "stale"));
        Assert.Contains(lines, l => l.Path == "/v2/accept-test/manifests/1" && l.Status == 200 && l.Cache == "stale");
    }

    [Fact]
    public async Task SkopeoCopy_UpstreamKilledMidBlob_FailsCachesNothingAndRecovers()
    {
        await using var bed = await ProxyTestbed.StartAsync();
        var image = await TestImage.Create("library/big-test", "1").WithLayer(200L * 1024 * 1024, 1701).PushAsync(bed.Docker);
        var layer = image.Layers[0];
        var tmp = Path.Combine(bed.BucketDirectory, "tmp");
        using var skopeo = new Skopeo { Timeout = TimeSpan.FromSeconds(120) };
        var registryPid = Assert.Single(ProcessReaper.FindByCommandLine(bed.Docker.ConfigPath));

        var copyTask = skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/big-test:1");
        // Freeze upstream (SIGSTOP) the moment the proxy has part of the big blob in its bucket's tmp/, then SIGKILL it:
        // the proxy is deterministically mid-blob when the upstream dies.
        var partial = await WaitForPartialUploadAsync(tmp, layer.Size, copyTask, TimeSpan.FromSeconds(60));
        Signal("STOP", registryPid);
        var frozen = new FileInfo(partial);
        Assert.True(frozen.Exists, $"the partial upload {partial} vanished before upstream could be frozen (download finished too fast?)" + bed.Describe());
        var frozenAt = frozen.Length;
        bed.Docker.Kill();
        var copy = await copyTask;

        Assert.True(frozenAt < layer.Size, $"the proxy had {frozenAt} of {layer.Size} bytes when upstream was frozen");
        Assert.False(copy.Succeeded, copy.Command.Describe() + bed.Describe());
        Assert.False(File.Exists(bed.BlobFile(layer.Digest)), "a truncated blob was committed to the cache");
        Assert.True(await WaitUntilAsync(() => !Directory.EnumerateFileSystemEntries(tmp).Any(), TimeSpan.FromSeconds(15)),
            "bucket tmp/ not emptied: " + string.Join(", ", Directory.EnumerateFileSystemEntries(tmp)) + bed.Describe());
        // The console logger writes asynchronously: wait (bounded) for the proxy's warning about the discarded download.
        Assert.True(
            await WaitUntilAsync(() => bed.Edge.Output.Contains("Discarded download of " + layer.Digest, StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no 'Discarded download' warning" + bed.Describe());

        await bed.Docker.StartAsync();
        var retry = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/big-test:1");

        Assert.True(retry.Succeeded, retry.Command.Describe() + bed.Describe());
        Assert.Equal(image.ManifestDigest, retry.ManifestDigest);
        Assert.Equal(layer.Digest, await LayerArchive.DigestOfFileAsync(Path.Combine(retry.Directory, layer.Digest["sha256:".Length..])));
        Assert.True(File.Exists(bed.BlobFile(layer.Digest)), "the verified blob should now be cached");
        Assert.Equal(layer.Size, new FileInfo(bed.BlobFile(layer.Digest)).Length);
    }

    private static async Task<string> WaitForPartialUploadAsync(string tmp, long size, Task copy, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !copy.IsCompleted)
        {
            if (Directory.Exists(tmp))
            {
                foreach (var file in Directory.EnumerateFiles(tmp, "*.upload"))
                {
                    try
                    {
                        var length = new FileInfo(file).Length;
                        // Bigger than any other object of the image (config, manifest): the layer itself, still short.
                        if (length > 4 * 1024 * 1024 && length < size)
                        {
                            return file;
                        }
                    }
                    catch (IOException)
                    {
                        // Renamed or deleted between listing and stat.
                    }
                }
            }

            await Task.Delay(5);
        }

        throw new InvalidOperationException($"The proxy never had a partial upload of the {size}-byte blob in {tmp} (copy finished: {copy.IsCompleted}).");
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(kill.WaitForExit(5_000) && kill.ExitCode == 0, $"kill -{signal} {pid} failed");
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }
}
