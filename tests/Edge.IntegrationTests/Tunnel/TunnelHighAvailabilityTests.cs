using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Edge.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// Two `edge serve` agents serve one tunnel, each with the registry proxy (own data directory) in front of the same
/// real upstream. Under a load of concurrent pulls through the relay (HTTP GETs of manifest and blobs, plus twelve
/// skopeo pulls running back to back) one agent is SIGKILLed. No request that had not received a response byte may
/// fail (the relay sends such GETs again to the other agent), every request started after the kill succeeds, and
/// every skopeo pull gets the upstream's digests.
/// </summary>
public sealed class TunnelHighAvailabilityTests(ITestOutputHelper output)
{
    private const string PublicHost = "mirror.ha.test";
    private const int Workers = 8;
    private const int Pullers = 12;
    private const int RequiredAfterKill = 120;
    private static readonly TimeSpan PhaseBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Pulls_OneOfTwoAgentsKilledUnderLoad_NoRequestFailsBeforeItsResponseAndEveryPullSucceeds()
    {
        Prerequisites.Require("docker-registry", "skopeo");
        EdgeHosts.Ensure(PublicHost);
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/ha-test", "1")
            .WithLayer(3 * 1024 * 1024, 4101)
            .WithLayer(1024 * 1024, 4102)
            .WithLayer(256 * 1024, 4103)
            .PushAsync(upstream);
        await using var relay = await TunnelSetup.Relay(PublicHost).StartAsync();
        await using var agentA = await TunnelSetup.Agent(relay).WithSetting("Registry:Upstreams:docker:Url", upstream.Url).StartAsync();
        await using var agentB = await TunnelSetup.Agent(relay).WithSetting("Registry:Upstreams:docker:Url", upstream.Url).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agentA, HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agentB, HttpStatusCode.OK));

        // What one pull fetches, and the digest each answer must have.
        var targets = new List<(string Path, string Digest, string? Accept)>
        {
            ($"/v2/ha-test/manifests/{image.Tag}", image.ManifestDigest, image.ManifestMediaType),
            ($"/v2/ha-test/blobs/{image.ConfigDigest}", image.ConfigDigest, null),
        };
        targets.AddRange(image.Layers.Select(l => ($"/v2/ha-test/blobs/{l.Digest}", l.Digest, (string?)null)));

        using var http = new HttpClient(TunnelSetup.RelayHandler(relay)) { Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        var records = new ConcurrentQueue<Record>();
        var pulls = new ConcurrentQueue<Pull>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            // Bounded per worker in count; the phases below bound it in time.
            for (var i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                var (path, digest, accept) = targets[(w + i) % targets.Count];
                records.Enqueue(await FetchAsync(http, relay, path, digest, accept, clock));
            }
        })).ToList();

        // Twelve real clients pulling back to back, as a user's batch of pulls would. skopeo retries a copy whose
        // layer download broke off mid-body (docker and containerd retry layers too): HTTP cannot resume those, so the
        // relay cannot either. Everything else must succeed on the first try.
        var skopeos = Enumerable.Range(0, Pullers).Select(_ => new Skopeo { RetryTimes = 2 }).ToList();
        var pullers = skopeos.Select(skopeo => Task.Run(async () =>
        {
            for (var i = 0; i < 200 && !stop.IsCancellationRequested; i++)
            {
                var started = clock.Elapsed;
                var copy = await skopeo.CopyToDirAsync($"docker://{PublicHost}:{relay.Port}/ha-test:{image.Tag}");
                pulls.Enqueue(new Pull(started, clock.Elapsed, copy));
                if (copy.ManifestDigest is not null)
                {
                    Directory.Delete(copy.Directory, recursive: true);
                }
            }
        })).ToList();

        // Phase 1: both agents serve, and the pulls are under way.
        var phase = Stopwatch.StartNew();
        while (phase.Elapsed < PhaseBound && !(records.Count >= 60 && pulls.Count >= Pullers && ServedBlobs(agentA) > 0 && ServedBlobs(agentB) > 0))
        {
            await Task.Delay(50);
        }

        var servedByABeforeKill = ServedBlobs(agentA);
        var servedByBBeforeKill = ServedBlobs(agentB);
        agentA.Kill();
        var killedAt = clock.Elapsed;

        // Phase 2: load and pulls go on against the survivor.
        phase.Restart();
        while (phase.Elapsed < PhaseBound && (records.Count(r => r.Started > killedAt) < RequiredAfterKill || pulls.Count(p => p.Started > killedAt) < Pullers))
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);
        await Task.WhenAll(pullers);
        foreach (var skopeo in skopeos)
        {
            skopeo.Dispose();
        }

        var all = records.ToList();
        var after = all.Where(r => r.Started > killedAt).ToList();
        var inFlight = all.Where(r => r.Started <= killedAt && r.Finished > killedAt).ToList();
        var before = all.Where(r => r.Finished <= killedAt).ToList();
        var allPulls = pulls.ToList();
        var pullsAcrossKill = allPulls.Count(p => p.Started <= killedAt && p.Finished > killedAt);
        var retries = relay.Output.Split('\n').Count(l => l.Contains("sending again on another connection", StringComparison.Ordinal));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{all.Count} requests by {Workers} workers: {before.Count} finished before the kill ({before.Count(r => !r.Ok)} failed; agent A had served {servedByABeforeKill} blob GETs, B {servedByBBeforeKill}), " +
            $"{inFlight.Count} in flight at the kill ({inFlight.Count(r => !r.Ok)} failed, {inFlight.Count(r => !r.Ok && !r.GotResponse)} of them without a response byte), " +
            $"{after.Count} started after it ({after.Count(r => !r.Ok)} failed); " +
            $"after the kill: {after.Count / Math.Max(0.001, (all.Max(r => r.Finished) - killedAt).TotalSeconds):0} requests/s"));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{allPulls.Count} skopeo pulls by {Pullers} clients ({pullsAcrossKill} running at the kill, {allPulls.Count(p => p.Started > killedAt)} started after it), " +
            $"{allPulls.Count(p => p.Copy.ManifestDigest != image.ManifestDigest)} failed; the relay sent {retries} request(s) again"));
        var context = string.Join("\n", all.Where(r => !r.Ok).Take(10).Select(r => r.ToString()))
            + string.Join("\n", allPulls.Where(p => p.Copy.ManifestDigest != image.ManifestDigest).Take(3).Select(p => p.Copy.Command.Describe()))
            + relay.Output;
        Assert.True(servedByABeforeKill > 0 && servedByBBeforeKill > 0, "the load did not reach both agents before the kill. " + context);
        Assert.True(before.All(r => r.Ok), "requests failed while both agents were up: " + context);
        Assert.True(inFlight.All(r => r.Ok || r.GotResponse), "a request in flight at the kill failed before any response byte reached it: " + context);
        Assert.True(after.Count >= RequiredAfterKill, $"only {after.Count} requests started after the kill. " + context);
        Assert.True(after.All(r => r.Ok), "requests started after the agent died failed: " + context);
        Assert.True(ServedBlobs(agentB) > servedByBBeforeKill, "the surviving agent served nothing after the kill. " + context);
        Assert.True(pullsAcrossKill > 0, "no skopeo pull was running when the agent was killed. " + context);
        Assert.True(allPulls.Count(p => p.Started > killedAt) >= Pullers, "too few pulls started after the kill. " + context);
        Assert.All(allPulls, p => Assert.True(p.Copy.ManifestDigest == image.ManifestDigest, p.Copy.Command.Describe() + context));
    }

    /// <summary>Blob GETs an agent's registry proxy logged (one line per request).</summary>
    private static int ServedBlobs(EdgeProcess agent) =>
        agent.Output.Split('\n').Count(l => l.Contains("GET /v2/ha-test/blobs/", StringComparison.Ordinal));

    private static async Task<Record> FetchAsync(HttpClient http, EdgeProcess relay, string path, string digest, string? accept, Stopwatch clock)
    {
        var started = clock.Elapsed;
        var gotResponse = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, TunnelSetup.PublicUri(relay, PublicHost, path));
            if (accept is not null)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            gotResponse = true;
            await using var body = await response.Content.ReadAsStreamAsync();
            var actual = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(body));
            var ok = response.StatusCode == HttpStatusCode.OK && actual == digest;
            return new Record(path, started, clock.Elapsed, ok, gotResponse, ok ? "" : $"{(int)response.StatusCode} {actual}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return new Record(path, started, clock.Elapsed, false, gotResponse, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>One GET: <paramref name="GotResponse"/> says whether its response headers arrived before any failure.</summary>
    private sealed record Record(string Path, TimeSpan Started, TimeSpan Finished, bool Ok, bool GotResponse, string Detail)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Started.TotalSeconds:0.000}-{Finished.TotalSeconds:0.000} {Path} {(GotResponse ? "after headers" : "before headers")} {Detail}");
    }

    private sealed record Pull(TimeSpan Started, TimeSpan Finished, SkopeoCopyResult Copy);
}
