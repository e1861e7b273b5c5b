using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Edge.IntegrationTests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// SIGTERM to `edge relay` and to an `edge serve` agent while a layer download is in flight through the tunnel: the
/// download completes intact, new work is refused (relay) or goes to the other agent, and the process exits.
/// </summary>
public sealed partial class TunnelShutdownTests
{
    private const string PublicHost = "mirror.tunnel.test";
    private const string Token = "shutdown-token-0123456789abcdef";
    private const long MiB = 1024 * 1024;
    private const int LayerBytes = 48 * 1024 * 1024;

    private static EdgeProcess Relay() => EdgeProcess.Create()
        .WithCommand("relay")
        .WithSetting("Relay:Tunnels:0:Id", "home")
        .WithSetting("Relay:Tunnels:0:Token", Token)
        .WithSetting("Relay:Ingress:0:Host", PublicHost)
        .WithSetting("Relay:Ingress:0:TunnelId", "home");

    private static EdgeProcess Agent(EdgeProcess relay, DistributionRegistry upstream, string agentId) => EdgeProcess.Create()
        .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
        .WithSetting("Edge:Tunnel:RelayUri", relay.Url)
        .WithSetting("Edge:Tunnel:TunnelId", "home")
        .WithSetting("Edge:Tunnel:Token", Token)
        .WithSetting("Edge:Tunnel:AgentId", agentId)
        .WithSetting("Edge:Tunnel:ConnectionCount", "2");

    private static async Task WaitForReadyAsync(EdgeProcess agent)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var status = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 150 && status != HttpStatusCode.OK; i++)
        {
            using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(status == HttpStatusCode.OK, "agent not ready" + agent.Output);
    }

    private static HttpRequestMessage Public(EdgeProcess relay, string path, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{relay.Port}{path}"));
        request.Headers.Host = PublicHost;
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return request;
    }

    private static async Task WaitForOutputAsync(EdgeProcess process, Func<string, bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(process.Output); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(process.Output), $"timed out waiting for {what}:\n{process.Output}");
    }

    [GeneratedRegex("agent agent-a connection [0-9]+ is going away")]
    private static partial Regex AgentAGoingAway();

    [Fact]
    public async Task RelaySigterm_LayerDownloadInFlight_CompletesIntactNewConnectionsRefusedRelayExits()
    {
        Prerequisites.Require("docker-registry");
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/drain-relay", "1").WithLayer(LayerBytes, 4201).PushAsync(upstream);
        var layer = image.Layers[0];
        await using var relay = await Relay().WithSetting("Relay:ShutdownTimeout", "00:02:00").StartAsync();
        await using var agent = await Agent(relay, upstream, "agent-a").StartAsync();
        await WaitForReadyAsync(agent);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        using var response = await http.SendAsync(Public(relay, $"/v2/drain-relay/blobs/{layer.Digest}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var download = new SlowRead(body);
        await download.ReadAsync(4 * MiB, TimeSpan.Zero);

        relay.Terminate();
        var refused = await PortProbe.RefusesConnectionsAsync(relay.Port);
        var drainedEarly = relay.Output.Contains("Relay drained", StringComparison.Ordinal);
        await download.ReadAsync(long.MaxValue, TimeSpan.FromMilliseconds(5));
        var exitCode = await relay.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(refused, "the relay kept accepting connections while draining\n" + relay.Output);
        Assert.False(drainedEarly, "the relay let its agents go while a download was in flight\n" + relay.Output);
        Assert.Equal(layer.Size, download.Received);
        Assert.Equal(layer.Digest, "sha256:" + download.Sha256());
        Assert.Equal(0, exitCode);
        Assert.Contains("Relay draining: waiting for 1 forwarded request(s)", relay.Output, StringComparison.Ordinal);
        Assert.Contains("Relay drained: closed 2 agent connection(s)", relay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentSigterm_DownloadInFlight_CompletesAndNewRequestsGoToTheOtherAgent()
    {
        Prerequisites.Require("docker-registry");
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/drain-agent", "1").WithLayer(LayerBytes, 4202).PushAsync(upstream);
        var later = await TestImage.Create("library/after-sigterm", "1").WithLayer(256 * 1024, 4203).PushAsync(upstream);
        var layer = image.Layers[0];
        await using var relay = await Relay().StartAsync();
        await using var agentA = await Agent(relay, upstream, "agent-a").WithSetting("Edge:ShutdownTimeout", "00:02:00").StartAsync();
        await WaitForReadyAsync(agentA);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        // The download starts while agent A is the only one, so A serves it.
        using var response = await http.SendAsync(Public(relay, $"/v2/drain-agent/blobs/{layer.Digest}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var download = new SlowRead(body);
        await download.ReadAsync(4 * MiB, TimeSpan.Zero);
        await using var agentB = await Agent(relay, upstream, "agent-b").StartAsync();
        await WaitForReadyAsync(agentB);

        agentA.Terminate();
        using (var right = await http.SendAsync(Public(relay, "/v2/after-sigterm/manifests/1", later.ManifestMediaType)))
        {
            // Whichever agent takes a request sent in the instant after the signal, it succeeds.
            Assert.True(right.StatusCode == HttpStatusCode.OK, $"{right.StatusCode}: {await right.Content.ReadAsStringAsync()}\n{relay.Output}\n{agentA.Output}");
        }

        await WaitForOutputAsync(relay, o => AgentAGoingAway().Count(o) >= 2, "GOAWAY on both of agent A's connections");
        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/v2/", $"/v2/after-sigterm/blobs/{later.ConfigDigest}", $"/v2/after-sigterm/blobs/{later.Layers[0].Digest}", "/v2/after-sigterm/manifests/1" })
        {
            using var after = await http.SendAsync(Public(relay, path, later.ManifestMediaType));
            await after.Content.ReadAsByteArrayAsync();
            statuses.Add(after.StatusCode);
        }

        await download.ReadAsync(long.MaxValue, TimeSpan.FromMilliseconds(5));
        var exitCode = await agentA.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Contains($"/v2/after-sigterm/blobs/{later.Layers[0].Digest} 200", agentB.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"/v2/after-sigterm/blobs/{later.Layers[0].Digest}", agentA.Output, StringComparison.Ordinal);
        Assert.Equal(layer.Size, download.Received);
        Assert.Equal(layer.Digest, "sha256:" + download.Sha256());
        Assert.Equal(0, exitCode);
        Assert.Contains($"/v2/drain-agent/blobs/{layer.Digest} 200", agentA.Output, StringComparison.Ordinal);
    }

    /// <summary>Reads a body in 64 KiB steps with a pause after each, hashing as it goes.</summary>
    private sealed class SlowRead(Stream body) : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[64 * 1024];

        public long Received { get; private set; }

        public async Task ReadAsync(long upTo, TimeSpan pause)
        {
            while (Received < upTo)
            {
                var read = await body.ReadAsync(_buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
                if (read == 0)
                {
                    return;
                }

                _hash.AppendData(_buffer, 0, read);
                Received += read;
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause);
                }
            }
        }

        public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public void Dispose() => _hash.Dispose();
    }
}
