using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Edge.IntegrationTests.Infrastructure;
using Edge.IntegrationTests.Security;
using Xunit.Abstractions;

namespace Edge.IntegrationTests.Proxy;

/// <summary>
/// The per-upstream circuit breaker against a real upstream that stops answering (frozen with SIGSTOP: it accepts
/// connections and never replies, so every request would wait <c>UpstreamTimeout</c>), then comes back.
/// </summary>
public sealed class UpstreamResilienceTests(ITestOutputHelper output)
{
    private const string AdminToken = "resilience-admin-token-0123456789";
    private static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Pull_UpstreamFrozen_AfterBreakerOpensCachedPullsSkipTheTimeoutUncachedFailAtOnce_RecoversWhenBack()
    {
        await using var bed = await ProxyTestbed.StartAsync(
            false,
            // Every pull revalidates its tag with a HEAD: upstream is asked each time, and waited for while it is silent.
            ("Registry:TagTtl", "00:00:00"),
            ("Registry:UpstreamTimeout", "00:00:03"),
            ("Registry:Resilience:MinimumThroughput", "2"),
            ("Registry:Resilience:BreakDuration", "00:00:05"),
            ("Edge:AdminToken", AdminToken),
            ("Logging:LogLevel:Edge.RegistryProxy.Resilience", "Debug"));
        var image = await TestImage.Create("library/frozen-test", "1").WithLayer(256 * 1024, 2201).PushAsync(bed.Docker);
        var cold = await TestImage.Create("library/frozen-cold", "1").WithLayer(16 * 1024, 2202).PushAsync(bed.Docker);
        using var skopeo = new Skopeo();
        using var http = EdgeHttp.CreateClient(TimeSpan.FromSeconds(60));
        var warm = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/frozen-test:1");
        Assert.True(warm.Succeeded, warm.Command.Describe() + bed.Describe());
        var registryPid = Assert.Single(ProcessReaper.FindByCommandLine(bed.Docker.ConfigPath));

        Signal("STOP", registryPid);
        try
        {
            // 1. Before the breaker opens: each pull waits for the revalidation HEAD to time out, then serves the cache. The
            //    warm pull's successes (a handful) are still in the sampling window, so it takes about as many timeouts to
            //    reach the failure ratio of 0.5.
            var slowPulls = new List<TimeSpan>();
            for (var i = 0; i < 8 && !Opened(bed); i++)
            {
                var (pull, took) = await TimedAsync(() => skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/frozen-test:1"));
                Assert.True(pull.Succeeded, pull.Command.Describe() + bed.Describe());
                Assert.Equal(image.ManifestDigest, pull.ManifestDigest);
                slowPulls.Add(took);
                await EdgeHttp.WaitForOutputAsync(bed.Edge, o => Count(o, "did not answer within") > i, "the revalidation's timeout warning");
            }

            await EdgeHttp.WaitForOutputAsync(bed.Edge, o => o.Contains("Upstream docker is considered down for 00:00:05: no response headers within 3 s", StringComparison.Ordinal), "the breaker opening");

            // 2. Open: the cached image pulls without asking upstream, the uncached one fails at once naming the upstream.
            var timeoutsBefore = Count(bed.Edge.Output, "did not answer within");
            var (fastPull, fastTook) = await TimedAsync(() => skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/frozen-test:1"));
            var (uncached, uncachedTook) = await TimedAsync(() => EdgeHttp.SendAsync(http, HttpMethod.Get, $"{bed.Edge.Url}/v2/frozen-cold/manifests/1"));
            var uncachedSkopeo = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/frozen-cold:1");
            var openMetrics = await ScrapeAsync(http, bed.Edge);

            Assert.True(fastPull.Succeeded, fastPull.Command.Describe() + bed.Describe());
            Assert.Equal(image.ManifestDigest, fastPull.ManifestDigest);
            Assert.Equal(timeoutsBefore, Count(bed.Edge.Output, "did not answer within"));
            Assert.True(uncached.Status == HttpStatusCode.ServiceUnavailable, $"{(int)uncached.Status} {uncached.Body}");
            Assert.Equal("UNAVAILABLE", EdgeHttp.ErrorCode(uncached.Body));
            Assert.StartsWith($"upstream 'docker' ({bed.Docker.Url}) is considered down after repeated failures (last failure: no response headers within 3 s)", EdgeHttp.ErrorMessage(uncached.Body), StringComparison.Ordinal);
            Assert.True(int.Parse(Header(uncached.Headers, "Retry-After"), CultureInfo.InvariantCulture) is >= 1 and <= 5, Header(uncached.Headers, "Retry-After"));
            Assert.False(uncachedSkopeo.Succeeded, uncachedSkopeo.Command.Describe());
            Assert.True(uncachedSkopeo.Command.StandardError.Contains("503 upstream 'docker'", StringComparison.Ordinal), uncachedSkopeo.Command.Describe());
            Assert.Equal(2, openMetrics.Value("edge_registry_upstream_circuit", ("upstream", "docker")));
            Assert.Equal(0, openMetrics.Value("edge_registry_upstream_circuit", ("upstream", "ghcr")));
            Assert.True(openMetrics.Sum("edge_registry_upstream_rejections_total", ("upstream", "docker")) >= 2);
            var lines = await ProxyLogWait.UntilAsync(bed.Edge, l => l.Count(x => x.Path == "/v2/frozen-test/manifests/1" && x.Cache == "stale") >= slowPulls.Count + 1);
            Assert.True(lines.Count(x => x.Path == "/v2/frozen-test/manifests/1" && x.Status == 200 && x.Cache == "stale") >= slowPulls.Count + 1, bed.Describe());

            output.WriteLine($"UpstreamTimeout {UpstreamTimeout.TotalSeconds} s; cached pull while frozen, breaker closed: {string.Join(", ", slowPulls.Select(Ms))}");
            output.WriteLine($"cached pull while frozen, breaker open: {Ms(fastTook)}; uncached manifest GET: {Ms(uncachedTook)} ({(int)uncached.Status})");
            Assert.All(slowPulls, t => Assert.True(t >= UpstreamTimeout, $"a pull before the breaker opened took only {t}: did it wait for upstream at all?"));
        }
        finally
        {
            Signal("CONT", registryPid);
        }

        // 3. Back: after the break one probe goes through, succeeds and closes the circuit; pulls work again.
        var back = await WaitForAsync(
            async () => await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{bed.Edge.Url}/v2/frozen-cold/manifests/1"),
            r => r.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60));
        var coldPull = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/frozen-cold:1");
        await EdgeHttp.WaitForOutputAsync(bed.Edge, o => o.Contains("Upstream docker answers again: circuit closed", StringComparison.Ordinal), "the circuit closing");
        var closedMetrics = await ScrapeAsync(http, bed.Edge);

        Assert.True(back.Status == HttpStatusCode.OK, back.Body);
        Assert.True(coldPull.Succeeded, coldPull.Command.Describe() + bed.Describe());
        Assert.Equal(cold.ManifestDigest, coldPull.ManifestDigest);
        Assert.Contains("Upstream docker circuit half-open", bed.Edge.Output, StringComparison.Ordinal);
        Assert.Equal(0, closedMetrics.Value("edge_registry_upstream_circuit", ("upstream", "docker")));
        await EdgeHttp.AssertHealthyAsync(bed.Edge);
    }

    private static bool Opened(ProxyTestbed bed) => bed.Edge.Output.Contains("Upstream docker is considered down", StringComparison.Ordinal);

    private static int Count(string text, string fragment)
    {
        var count = 0;
        for (var at = text.IndexOf(fragment, StringComparison.Ordinal); at >= 0; at = text.IndexOf(fragment, at + fragment.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static string Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";

    private static async Task<(T Result, TimeSpan Took)> TimedAsync<T>(Func<Task<T>> action)
    {
        var clock = Stopwatch.StartNew();
        var result = await action();
        return (result, clock.Elapsed);
    }

    /// <summary>Repeats <paramref name="attempt"/> every 250 ms until <paramref name="done"/> (bounded); returns the last answer.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var result = await attempt();
            if (done(result) || clock.Elapsed > timeout)
            {
                return result;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(HttpClient http, EdgeProcess edge)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, edge.Url + "/_edge/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return PrometheusText.Parse(text);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(kill.WaitForExit(5_000) && kill.ExitCode == 0, $"kill -{signal} {pid} failed");
    }
}
