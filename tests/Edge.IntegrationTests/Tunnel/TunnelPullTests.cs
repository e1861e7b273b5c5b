using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// The registry proxy served publicly through the tunnel: `edge relay` and `edge serve` with the agent enabled,
/// as separate processes, in front of a real upstream, pulled with real clients through the relay's public entry.
/// </summary>
public sealed class TunnelPullTests
{
    private const string PublicHost = "mirror.tunnel.test";
    private const string Token = "tunnel-token-0123456789abcdef";

    private static EdgeProcess Relay(string token = Token) => EdgeProcess.Create()
        .WithCommand("relay")
        .WithSetting("Relay:Tunnels:0:Id", "home")
        .WithSetting("Relay:Tunnels:0:Token", token)
        .WithSetting("Relay:Tunnels:1:Id", "idle")
        .WithSetting("Relay:Tunnels:1:Token", "idle-token-0123456789abcdef")
        .WithSetting("Relay:Ingress:0:Host", PublicHost)
        .WithSetting("Relay:Ingress:0:TunnelId", "home")
        .WithSetting("Relay:Ingress:1:Host", "idle.tunnel.test")
        .WithSetting("Relay:Ingress:1:TunnelId", "idle");

    private static EdgeProcess Agent(EdgeProcess relay, DistributionRegistry upstream, string token = Token) => EdgeProcess.Create()
        .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
        .WithSetting("Edge:Tunnel:RelayUri", relay.Url)
        .WithSetting("Edge:Tunnel:TunnelId", "home")
        .WithSetting("Edge:Tunnel:Token", token);

    private static async Task<HttpStatusCode> WaitForReadyAsync(EdgeProcess agent, HttpStatusCode expected)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var status = HttpStatusCode.NotFound;
        for (var i = 0; i < 100 && status != expected; i++)
        {
            using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
            status = response.StatusCode;
            if (status != expected)
            {
                await Task.Delay(100);
            }
        }

        return status;
    }

    [Fact]
    public async Task Pull_ThroughRelay_SkopeoAndDockerGetUpstreamDigests()
    {
        Prerequisites.Require("docker-registry", "skopeo", "dockerd", "docker");
        EdgeHosts.Ensure(PublicHost, "idle.tunnel.test");
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/tunnel-test", "1").WithLayer(2 * 1024 * 1024, 3101).PushAsync(upstream);
        await using var relay = await Relay().StartAsync();
        await using var agent = await Agent(relay, upstream).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await WaitForReadyAsync(agent, HttpStatusCode.OK));
        var publicRegistry = $"{PublicHost}:{relay.Port}";

        using var skopeo = new Skopeo();
        var copied = await skopeo.CopyToDirAsync($"docker://{publicRegistry}/tunnel-test:1");
        await using var dockerd = await Dockerd.StartAsync(new DockerdOptions { RegistryMirrors = [$"http://{publicRegistry}"] });
        var pulled = await dockerd.PullAsync("tunnel-test:1");

        Assert.True(copied.Succeeded, copied.Command.Describe() + relay.Output + agent.Output);
        Assert.Equal(image.ManifestDigest, copied.ManifestDigest);
        Assert.True(pulled.Succeeded, pulled.Describe() + relay.Output + agent.Output);
        Assert.Contains($"tunnel-test@{image.ManifestDigest}", await dockerd.RepoDigestsAsync("tunnel-test:1"));
        // The proxy saw the public host (forwarded by the relay, believed because it came through the tunnel).
        Assert.Contains("/v2/tunnel-test/manifests/1 200", agent.Output, StringComparison.Ordinal);
        using var http = new HttpClient();
        using var challenge = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{relay.Port}/v2/"));
        challenge.Headers.Host = publicRegistry;
        using var pong = await http.SendAsync(challenge);
        Assert.Equal(HttpStatusCode.OK, pong.StatusCode);
        Assert.Equal("registry/2.0", pong.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task Relay_UnknownHostAndAgentlessTunnel_404And502()
    {
        await using var relay = await Relay().StartAsync();
        using var http = new HttpClient();

        using var unknown = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{relay.Port}/v2/"));
        unknown.Headers.Host = "nowhere.tunnel.test";
        using var unknownResponse = await http.SendAsync(unknown);
        using var idle = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{relay.Port}/v2/"));
        idle.Headers.Host = "idle.tunnel.test";
        using var idleResponse = await http.SendAsync(idle);

        Assert.Equal(HttpStatusCode.NotFound, unknownResponse.StatusCode);
        Assert.Contains("nowhere.tunnel.test", await unknownResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, idleResponse.StatusCode);
        Assert.Contains("idle", await idleResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_BadToken_RefusedNotReadyAndTokenNeverLogged()
    {
        Prerequisites.Require("docker-registry");
        const string wrong = "wrong-token-fedcba9876543210";
        await using var upstream = await DistributionRegistry.StartNewAsync();
        await using var relay = await Relay().StartAsync();
        await using var agent = await Agent(relay, upstream, wrong).StartAsync();

        var status = await WaitForReadyAsync(agent, HttpStatusCode.ServiceUnavailable);
        using var http = new HttpClient();
        async Task<string> ReadyDetailAsync()
        {
            using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
            return await response.Content.ReadAsStringAsync();
        }

        var detail = await ReadyDetailAsync();
        for (var i = 0; i < 50 && !detail.Contains("unauthorized", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            detail = await ReadyDetailAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("unauthorized", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, relay.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, agent.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, relay.Output, StringComparison.Ordinal);
    }
}
