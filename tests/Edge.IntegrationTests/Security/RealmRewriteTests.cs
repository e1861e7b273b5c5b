using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>Every 401 the client sees names the proxy's own token endpoint, on the host the client used, in the client's names.</summary>
public sealed class RealmRewriteTests
{
    [Fact]
    public async Task Challenge_EveryUnauthorizedPath_RealmIsProxyTokenEndpointWithServiceAndClientScope()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .WithSetting("Registry:Domain", "edge.test")
            .StartAsync();
        using var http = EdgeHttp.CreateClient();
        var image = upstream.PublicImage;
        var layer = image.Layers[0].Digest;
        var expectedRealm = edge.Url + "/_edge/token/docker";
        const string ClientScope = "repository:busybox-test:pull";

        // Base: realm and service, no scope.
        var ping = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/");
        Assert.Equal(HttpStatusCode.Unauthorized, ping.Status);
        var pingChallenge = EdgeHttp.Challenge(ping.Headers);
        Assert.Equal("Bearer", pingChallenge[""]);
        Assert.Equal(expectedRealm, pingChallenge["realm"]);
        Assert.Equal(upstream.Tokens.Service, pingChallenge["service"]);
        Assert.DoesNotContain(upstream.Tokens.Url, ping.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        // Manifest by tag, by digest, blob, tag list: all rewritten, scope in the client's name (no library/).
        string[] paths =
        [
            "/v2/busybox-test/manifests/1",
            "/v2/busybox-test/manifests/" + image.ManifestDigest,
            "/v2/busybox-test/blobs/" + layer,
            "/v2/busybox-test/tags/list",
        ];
        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                var answer = await EdgeHttp.SendAsync(http, method, edge.Url + path);
                Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)answer.Status} {answer.Body}");
                var challenge = EdgeHttp.Challenge(answer.Headers);
                Assert.Equal(expectedRealm, challenge["realm"]);
                Assert.Equal(upstream.Tokens.Service, challenge["service"]);
                Assert.True(challenge.TryGetValue("scope", out var scope), $"{method} {path}: no scope in {answer.Headers.WwwAuthenticate}");
                Assert.Equal(ClientScope, scope);
            }
        }

        // The upstream itself asked for library/busybox-test: the rewrite really mapped the name.
        using (var direct = await http.GetAsync(upstream.Registry.Url + "/v2/library/busybox-test/manifests/1"))
        {
            Assert.Contains("repository:library/busybox-test:pull", direct.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // The host the client used decides the realm's host.
        var named = "docker.edge.test:" + edge.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var byName = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/busybox-test/manifests/1", host: named);
        Assert.Equal(HttpStatusCode.Unauthorized, byName.Status);
        var byNameChallenge = EdgeHttp.Challenge(byName.Headers);
        Assert.Equal($"http://{named}/_edge/token/docker", byNameChallenge["realm"]);
        Assert.Equal(ClientScope, byNameChallenge["scope"]);
        var pingByName = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/", host: named);
        Assert.Equal($"http://{named}/_edge/token/docker", EdgeHttp.Challenge(pingByName.Headers)["realm"]);

        // X-Forwarded-* from a peer that is not a trusted proxy are ignored.
        KeyValuePair<string, string>[] forwarded = [new("X-Forwarded-Proto", "https"), new("X-Forwarded-Host", "registry.example.com")];
        var spoofed = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/busybox-test/manifests/1", headers: forwarded);
        Assert.Equal(HttpStatusCode.Unauthorized, spoofed.Status);
        Assert.Equal(expectedRealm, EdgeHttp.Challenge(spoofed.Headers)["realm"]);
        var spoofedPing = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/", headers: forwarded);
        Assert.Equal(expectedRealm, EdgeHttp.Challenge(spoofedPing.Headers)["realm"]);

        await EdgeHttp.AssertHealthyAsync(edge);
    }

    [Fact]
    public async Task Challenge_TrustedProxyForwardedHeaders_RealmUsesForwardedSchemeAndHost()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .WithSetting("Edge:TrustedProxies:0", "127.0.0.1")
            .StartAsync();
        using var http = EdgeHttp.CreateClient();
        KeyValuePair<string, string>[] forwarded = [new("X-Forwarded-Proto", "https"), new("X-Forwarded-Host", "registry.example.com"), new("X-Forwarded-For", "203.0.113.9")];

        var manifest = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/busybox-test/manifests/1", headers: forwarded);
        var ping = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/", headers: forwarded);
        var plain = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + "/v2/busybox-test/manifests/1");

        Assert.Equal(HttpStatusCode.Unauthorized, manifest.Status);
        var challenge = EdgeHttp.Challenge(manifest.Headers);
        Assert.Equal("https://registry.example.com/_edge/token/docker", challenge["realm"]);
        Assert.Equal(upstream.Tokens.Service, challenge["service"]);
        Assert.Equal("repository:busybox-test:pull", challenge["scope"]);
        Assert.Equal(HttpStatusCode.Unauthorized, ping.Status);
        Assert.Equal("https://registry.example.com/_edge/token/docker", EdgeHttp.Challenge(ping.Headers)["realm"]);
        // Without forwarded headers the trusted peer's own Host is used.
        Assert.Equal(edge.Url + "/_edge/token/docker", EdgeHttp.Challenge(plain.Headers)["realm"]);
        await EdgeHttp.AssertHealthyAsync(edge);
    }
}
