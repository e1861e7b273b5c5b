using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Edge.Tunnel.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Tests.Admin;

/// <summary>The admin endpoints of `edge serve` and `edge relay`, built as in production and served by real Kestrel
/// listeners on 127.0.0.1.</summary>
public sealed class AdminEndpointsTests : IDisposable
{
    private const string AdminToken = "admin-token-0123456789abcdef";
    private const string TunnelToken = "tunnel-token-0123456789abcdef";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string?> ServeSettings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Edge:DataDirectory"] = _dir.Combine("data"),
            ["Registry:Upstreams:docker:Url"] = "http://127.0.0.1:9",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Dictionary<string, string?> RelaySettings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Relay:Tunnels:0:Id"] = "home",
            ["Relay:Tunnels:0:Token"] = TunnelToken,
            ["Relay:Ingress:0:Host"] = "app.test",
            ["Relay:Ingress:0:TunnelId"] = "home",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var local = addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        return (app, new HttpClient { BaseAddress = new Uri(local), Timeout = TimeSpan.FromSeconds(10) });
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? token = null, string? host = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Serve_NoAdminToken_MetricsAnswer404SayingHowToEnable()
    {
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], ServeSettings()));
        await using (app)
        using (client)
        {
            using var response = await GetAsync(client, "/_edge/metrics", AdminToken);
            var text = await response.Content.ReadAsStringAsync();

            // Answered by the host before routing: the registry function (routed on *) never saw it.
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("Edge:AdminToken", text, StringComparison.Ordinal);
            Assert.DoesNotContain("edge_", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_AdminToken_401WithoutOrWithWrongToken_MetricsWithIt()
    {
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], ServeSettings(("Edge:AdminToken", AdminToken))));
        await using (app)
        using (client)
        {
            using var missing = await GetAsync(client, "/_edge/metrics");
            using var wrong = await GetAsync(client, "/_edge/metrics", AdminToken + "x");
            using var post = await GetAsync(client, "/_edge/metrics", AdminToken, method: HttpMethod.Post);
            using var ok = await GetAsync(client, "/_edge/metrics", AdminToken);
            var text = await ok.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("invalid_token", wrong.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", ok.Content.Headers.ContentType!.ToString());
            Assert.True(ok.Headers.CacheControl!.NoStore);

            // The host's own request metrics: the refused scrapes above were requests too.
            Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
            Assert.Contains("http_response_status_code=\"401\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Serve_BadAdminToken_ConfigurationError()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], ServeSettings(("Edge:AdminToken", "short"))));

        Assert.Contains(ex.Errors, e => e.StartsWith("Edge:AdminToken", StringComparison.Ordinal));
        Assert.DoesNotContain(ex.Errors, e => e.Contains("short", StringComparison.Ordinal));
    }

    [Fact]
    public void Relay_BadAdminTokenSettings_ReportedWithOtherErrors()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => RelayApplication.Build(null, [], RelaySettings(
            ("Relay:AdminTokenSha256", "not-hex"),
            ("Relay:MaxAttempts", "0"))));

        Assert.Contains(ex.Errors, e => e.StartsWith("Relay:AdminTokenSha256", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("MaxAttempts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Relay_NoAdminToken_MetricsAndStatus404()
    {
        var (app, client) = await StartAsync(RelayApplication.Build(null, [], RelaySettings()));
        await using (app)
        using (client)
        {
            using var metrics = await GetAsync(client, "/_edge/metrics", AdminToken);
            using var status = await GetAsync(client, "/_edge/status", AdminToken, host: "app.test");

            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
            Assert.Contains("Relay:AdminToken", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
            Assert.Contains("Relay:AdminToken", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Relay_AdminToken_MetricsAndStatusAnsweredByTheRelayForEveryHost()
    {
        var (app, client) = await StartAsync(RelayApplication.Build(null, [], RelaySettings(("Relay:AdminToken", AdminToken))));
        await using (app)
        using (client)
        {
            using var unauthenticated = await GetAsync(client, "/_edge/metrics", host: "app.test");
            using var metrics = await GetAsync(client, "/_edge/metrics", AdminToken);
            using var status = await GetAsync(client, "/_edge/status", AdminToken, host: "app.test");
            var text = await metrics.Content.ReadAsStringAsync();
            using var json = JsonDocument.Parse(await status.Content.ReadAsStringAsync());

            // Not forwarded to the (agentless) tunnel, which would have answered 502.
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("edge_tunnel_relay_connections{tunnel=\"home\"} 0\n", text, StringComparison.Ordinal);
            Assert.Contains("edge_tunnel_relay_agents{tunnel=\"home\"} 0\n", text, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal("application/json; charset=utf-8", status.Content.Headers.ContentType!.ToString());
            var tunnel = json.RootElement.GetProperty("tunnels").EnumerateArray().Single();
            Assert.Equal("home", tunnel.GetProperty("id").GetString());
            Assert.Equal(0, tunnel.GetProperty("connections").GetInt32());
            Assert.Equal(0, json.RootElement.GetProperty("unroutedRequests").GetInt64());
        }
    }

    [Fact]
    public async Task Serve_MetricsThroughTheTunnel_SameRuleAndTunnelMetricsReported()
    {
        // A bare library relay: it forwards /_edge/metrics like any path, so the request reaches the agent's dispatcher.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTunnelRelay(o =>
        {
            o.Tunnels.Add(new TunnelDefinition { Id = "home", Token = TunnelToken });
            o.Ingress.Add(new TunnelIngressRule { Host = "app.test", TunnelId = "home" });
        });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var (relay, publicClient) = await StartAsync(builder.Build().UseTunnelRelayApp());
        await using (relay)
        using (publicClient)
        {
            var (app, local) = await StartAsync(EdgeApplication.Build(null, [], ServeSettings(
                ("Edge:AdminToken", AdminToken),
                ("Edge:Tunnel:RelayUri", publicClient.BaseAddress!.ToString()),
                ("Edge:Tunnel:TunnelId", "home"),
                ("Edge:Tunnel:Token", TunnelToken),
                ("Edge:Tunnel:ConnectionCount", "2"))));
            await using (app)
            using (local)
            {
                var ready = HttpStatusCode.ServiceUnavailable;
                for (var i = 0; i < 100 && ready != HttpStatusCode.OK; i++)
                {
                    using var response = await local.GetAsync(new Uri("/_edge/ready", UriKind.Relative));
                    ready = response.StatusCode;
                    if (ready != HttpStatusCode.OK)
                    {
                        await Task.Delay(50);
                    }
                }

                using var unauthenticated = await GetAsync(publicClient, "/_edge/metrics", host: "app.test");
                using var wrong = await GetAsync(publicClient, "/_edge/metrics", "wrong-token-0123456789", host: "app.test");
                using var scraped = await GetAsync(publicClient, "/_edge/metrics", AdminToken, host: "app.test");
                using var again = await GetAsync(local, "/_edge/metrics", AdminToken);
                var text = await again.Content.ReadAsStringAsync();

                Assert.Equal(HttpStatusCode.OK, ready);
                Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
                Assert.Equal("Bearer", unauthenticated.Headers.WwwAuthenticate.Single().Scheme);
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
                Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
                Assert.Contains("edge_tunnel_agent_connections{tunnel=\"home\"} 2\n", text, StringComparison.Ordinal);
                Assert.Contains("edge_tunnel_agent_state{state=\"ready\",tunnel=\"home\"} 1\n", text, StringComparison.Ordinal);
                Assert.Contains("edge_tunnel_agent_connect_duration_seconds_count{tunnel=\"home\"} 2\n", text, StringComparison.Ordinal);

                // Requests that came through the tunnel are told apart in the host's request metrics.
                Assert.Contains("edge_tunnel=\"home\",http_request_method=\"GET\",http_response_status_code=\"401\"", text, StringComparison.Ordinal);
            }
        }
    }
}

file static class RelayTestExtensions
{
    public static WebApplication UseTunnelRelayApp(this WebApplication app)
    {
        app.UseTunnelRelay();
        return app;
    }
}
