using System.Net;
using System.Net.Http.Headers;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// `/_edge/metrics` of `edge relay` and `edge serve` (agent) as real processes, in front of a real upstream: the
/// figures after a few requests through the relay, and the admin token rule.
/// </summary>
public sealed class TunnelMetricsTests
{
    private const string PublicHost = "metrics.tunnel.test";
    private const string TunnelToken = "tunnel-token-0123456789abcdef";
    private const string RelayAdminToken = "relay-admin-token-0123456789";
    private const string AgentAdminToken = "agent-admin-token-0123456789";

    private static EdgeProcess Relay(string? adminToken) => WithOptional(EdgeProcess.Create()
        .WithCommand("relay")
        .WithSetting("Relay:Tunnels:0:Id", "home")
        .WithSetting("Relay:Tunnels:0:Token", TunnelToken)
        .WithSetting("Relay:Ingress:0:Host", PublicHost)
        .WithSetting("Relay:Ingress:0:TunnelId", "home"), "Relay:AdminToken", adminToken);

    private static EdgeProcess Agent(EdgeProcess relay, string upstreamUrl, string? adminToken) => WithOptional(EdgeProcess.Create()
        .WithSetting("Registry:Upstreams:docker:Url", upstreamUrl)
        .WithSetting("Edge:Tunnel:RelayUri", relay.Url)
        .WithSetting("Edge:Tunnel:TunnelId", "home")
        .WithSetting("Edge:Tunnel:Token", TunnelToken), "Edge:AdminToken", adminToken);

    private static EdgeProcess WithOptional(EdgeProcess process, string key, string? value) =>
        value is null ? process : process.WithSetting(key, value);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string url, string? token = null, string? host = null, params string[] accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        foreach (var type in accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        return await http.SendAsync(request);
    }

    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(HttpClient http, EdgeProcess process, string token)
    {
        using var response = await SendAsync(http, process.Url + "/_edge/metrics", token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return PrometheusText.Parse(text);
    }

    private static async Task WaitForReadyAsync(HttpClient http, EdgeProcess agent)
    {
        var status = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            using var response = await http.GetAsync(new Uri(agent.Url + "/_edge/ready"));
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Scrape_AfterRequestsThroughTheRelay_RelayAndAgentReportThem()
    {
        Prerequisites.Require("docker-registry");
        await using var upstream = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/metrics-test", "1").WithLayer(256 * 1024, 3201).PushAsync(upstream);
        var layer = image.Layers[0];
        await using var relay = await Relay(RelayAdminToken).StartAsync();
        await using var agent = await Agent(relay, upstream.Url, AgentAdminToken).StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await WaitForReadyAsync(http, agent);

        // Three successful requests and one 404 through the public entry.
        var publicUrl = $"http://127.0.0.1:{relay.Port}";
        using (var ping = await SendAsync(http, publicUrl + "/v2/", host: PublicHost))
        using (var manifest = await SendAsync(http, publicUrl + "/v2/metrics-test/manifests/1", host: PublicHost, accept: [.. MediaTypes.AllManifests]))
        using (var blob = await SendAsync(http, publicUrl + $"/v2/metrics-test/blobs/{layer.Digest}", host: PublicHost))
        using (var missing = await SendAsync(http, publicUrl + "/v2/metrics-test/manifests/nope", host: PublicHost, accept: [.. MediaTypes.AllManifests]))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
            Assert.Equal(layer.Size, (await blob.Content.ReadAsByteArrayAsync()).LongLength);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var relayMetrics = await ScrapeAsync(http, relay, RelayAdminToken);
        var agentMetrics = await ScrapeAsync(http, agent, AgentAdminToken);
        using var relayUnauthenticated = await SendAsync(http, relay.Url + "/_edge/metrics");
        using var agentWrongToken = await SendAsync(http, agent.Url + "/_edge/metrics", RelayAdminToken);
        using var statusResponse = await SendAsync(http, relay.Url + "/_edge/status", RelayAdminToken);
        var status = await statusResponse.Content.ReadAsStringAsync();

        var home = ("tunnel", "home");
        Assert.Equal(4, relayMetrics.Value("edge_tunnel_relay_connections", home));
        Assert.Equal(1, relayMetrics.Value("edge_tunnel_relay_agents", home));
        Assert.Equal(0, relayMetrics.Value("edge_tunnel_relay_active_requests", home));
        Assert.Equal(3, relayMetrics.Value("edge_tunnel_relay_requests_total", home, ("status", "200")));
        Assert.Equal(1, relayMetrics.Value("edge_tunnel_relay_requests_total", home, ("status", "404")));
        Assert.True(relayMetrics.Value("edge_tunnel_relay_bytes_total", home, ("direction", "from_agent")) >= layer.Size);
        Assert.Equal(0, relayMetrics.Value("edge_tunnel_relay_bytes_total", home, ("direction", "to_agent")));
        Assert.Equal(4, relayMetrics.Value("edge_tunnel_relay_agent_handshakes_total", home, ("outcome", "accepted")));
        Assert.Equal(0, relayMetrics.Value("edge_tunnel_relay_agent_handshakes_total", home, ("outcome", "refused")));
        Assert.Equal(0, relayMetrics.Value("edge_tunnel_relay_retries_total", home));
        Assert.Equal(0, relayMetrics.Value("edge_tunnel_relay_unrouted_requests_total"));

        Assert.Equal(4, agentMetrics.Value("edge_tunnel_agent_connections", home));
        Assert.Equal(1, agentMetrics.Value("edge_tunnel_agent_state", home, ("state", "ready")));
        Assert.True(agentMetrics.Value("edge_tunnel_agent_connect_duration_seconds_count", home) >= 4);
        Assert.True(agentMetrics.Value("edge_tunnel_agent_connect_duration_seconds_sum", home) > 0);
        Assert.Equal(
            agentMetrics.Value("edge_tunnel_agent_connect_duration_seconds_count", home),
            agentMetrics.Value("edge_tunnel_agent_connect_duration_seconds_bucket", home, ("le", "+Inf")));
        Assert.Equal(0, agentMetrics.Value("edge_tunnel_agent_failed_dials_total", home));

        // The agent's own request metrics tell tunneled requests apart.
        Assert.Equal(3, agentMetrics.Sum("http_server_request_duration_seconds_count", ("edge_tunnel", "home"), ("http_response_status_code", "200")));
        Assert.Equal(1, agentMetrics.Sum("http_server_request_duration_seconds_count", ("edge_tunnel", "home"), ("http_response_status_code", "404")));

        Assert.Equal(HttpStatusCode.Unauthorized, relayUnauthenticated.StatusCode);
        Assert.Equal("Bearer", relayUnauthenticated.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, agentWrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, statusResponse.StatusCode);
        Assert.Contains("\"id\":\"home\"", status, StringComparison.Ordinal);
        Assert.Contains("\"connections\":4", status, StringComparison.Ordinal);

        // Refusals are logged; no token ever is.
        Assert.Contains("refused: no bearer token", relay.Output, StringComparison.Ordinal);
        Assert.Contains("refused: invalid token", agent.Output, StringComparison.Ordinal);
        foreach (var secret in (string[])[RelayAdminToken, AgentAdminToken, TunnelToken])
        {
            Assert.DoesNotContain(secret, relay.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, agent.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Scrape_NoAdminTokenConfigured_404SayingHowToEnable()
    {
        await using var relay = Relay(adminToken: null);
        await using var agent = EdgeProcess.Create().WithSetting("Registry:Upstreams:docker:Url", "http://127.0.0.1:9");
        await Task.WhenAll(relay.StartAsync(), agent.StartAsync());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var relayMetrics = await SendAsync(http, relay.Url + "/_edge/metrics", RelayAdminToken);
        using var relayStatus = await SendAsync(http, relay.Url + "/_edge/status", RelayAdminToken);
        using var agentMetrics = await SendAsync(http, agent.Url + "/_edge/metrics", AgentAdminToken);

        Assert.Equal(HttpStatusCode.NotFound, relayMetrics.StatusCode);
        Assert.Contains("Relay:AdminToken", await relayMetrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, relayStatus.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, agentMetrics.StatusCode);
        Assert.Contains("Edge:AdminToken", await agentMetrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
