using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// A private tunnel hostname: `edge relay` with a private ingress rule and an access credential, `edge serve` as the
/// agent in front of a real upstream, `edge access` as a separate process. The public entry never routes to the
/// private host; skopeo pulls through `edge access`.
/// </summary>
public sealed class TunnelAccessTests
{
    private const string PublicHost = "mirror.access.test";
    private const string PrivateHost = "registry.internal.test";
    private const string TunnelToken = "access-tunnel-token-0123456789abcdef";
    private const string AccessToken = "edge-access-token-fedcba9876543210";

    private static EdgeProcess Relay() => EdgeProcess.Create()
        .WithCommand("relay")
        .WithSetting("Relay:Tunnels:0:Id", "home")
        .WithSetting("Relay:Tunnels:0:Token", TunnelToken)
        .WithSetting("Relay:Ingress:0:Host", PublicHost)
        .WithSetting("Relay:Ingress:0:TunnelId", "home")
        .WithSetting("Relay:Ingress:1:Host", PrivateHost)
        .WithSetting("Relay:Ingress:1:TunnelId", "home")
        .WithSetting("Relay:Ingress:1:Private", "true")
        .WithSetting("Relay:Access:0:Name", "laptop")
        .WithSetting("Relay:Access:0:Token", AccessToken)
        .WithSetting("Relay:Access:0:Hosts:0", "*.internal.test");

    private static EdgeProcess Access(EdgeProcess relay) => EdgeProcess.Create()
        .WithCommand("access")
        .WithArguments("--relay", relay.Url, "--hostname", PrivateHost);

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(string url, string host)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url));
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpStatusCode> WaitForReadyAsync(EdgeProcess agent)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var status = HttpStatusCode.NotFound;
        for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(100);
            }
        }

        return status;
    }

    [Fact]
    public async Task PrivateHost_UnreachableFromPublicEntry_PulledWithSkopeoThroughEdgeAccess()
    {
        Prerequisites.Require("docker-registry", "skopeo");
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/access-test", "1").WithLayer(2 * 1024 * 1024, 4201).PushAsync(upstream);
        await using var relay = await Relay().StartAsync();
        await using var agent = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
            .WithSetting("Edge:Tunnel:RelayUri", relay.Url)
            .WithSetting("Edge:Tunnel:TunnelId", "home")
            .WithSetting("Edge:Tunnel:Token", TunnelToken)
            .StartAsync();
        Assert.Equal(HttpStatusCode.OK, await WaitForReadyAsync(agent));

        // The tunnel is up (the public host answers), yet the private host answers exactly like an unknown one.
        var (publicStatus, _) = await GetAsync(relay.Url + "/v2/", PublicHost);
        var (privateStatus, privateBody) = await GetAsync(relay.Url + "/v2/", PrivateHost);
        var (unknownStatus, unknownBody) = await GetAsync(relay.Url + "/v2/", "nowhere.internal.test");
        Assert.Equal(HttpStatusCode.OK, publicStatus);
        Assert.Equal(HttpStatusCode.NotFound, privateStatus);
        Assert.Equal($"no tunnel route for host {PrivateHost}\n", privateBody);
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal("no tunnel route for host nowhere.internal.test\n", unknownBody);

        using var secrets = new TempDirectory("edge-access-");
        var tokenFile = secrets.Combine("token");
        await File.WriteAllTextAsync(tokenFile, AccessToken + "\n");
        await using var access = await Access(relay).WithArguments("--token-file", tokenFile).StartAsync();
        using var skopeo = new Skopeo();
        var copied = await skopeo.CopyToDirAsync($"docker://{access.Host}/access-test:1");

        Assert.True(copied.Succeeded, copied.Command.Describe() + relay.Output + agent.Output + access.Output);
        Assert.Equal(image.ManifestDigest, copied.ManifestDigest);
        // The proxy behind the tunnel saw the private host.
        Assert.Contains("/v2/access-test/manifests/1 200", agent.Output, StringComparison.Ordinal);
        Assert.Contains($"Edge access listening on {access.Url}; requests reach {PrivateHost} through the relay {relay.Url}", access.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, relay.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, access.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EdgeAccess_WrongTokenFromEnvironment_RelayRefuses403AndNeverLogsIt()
    {
        const string wrong = "wrong-access-token-0123456789abcdef";
        await using var relay = await Relay().StartAsync();
        await using var access = await Access(relay).WithEnvironment("EDGE_ACCESS_TOKEN", wrong).StartAsync();

        var (status, body) = await GetAsync(access.Url + "/v2/", "localhost");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("access token refused\n", body);
        Assert.Contains($"Access refused for {PrivateHost}/v2/ from 127.0.0.1: invalid access token", relay.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, relay.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, access.Output, StringComparison.Ordinal);
    }
}
