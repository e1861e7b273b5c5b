using System.Diagnostics.Metrics;
using System.Net;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Resilience;
using Edge.RegistryProxy.Routing;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Resilience;

public sealed class EgressTests
{
    [Fact]
    public async Task SendAsync_UpstreamWithItsOwnInvoker_RegistryTokenRealmAndRedirectTargetAllGoThroughIt()
    {
        // docker's invoker stands for its proxy; ghcr's for the direct one. The registry challenges, its realm issues a
        // token, and the blob redirects to a CDN that challenges too: every one of those requests is docker's.
        var viaProxy = new ScriptedHandler()
            .Then((_, _) => Challenge("http://auth.docker.test/token", "registry.docker.test"))
            .Then((_, _) => Token("operator-token"))
            .Then((_, _) => Redirect("http://cdn.docker.test/blob?sig=1"))
            .Then((_, _) => Challenge("http://auth.cdn.test/token", "cdn"))
            .Then((_, _) => Token("cdn-token"))
            .Then((_, _) => Task.FromResult(ScriptedHandler.Status(200, body: "layer")));
        var direct = new ScriptedHandler();
        using var viaInvoker = new HttpMessageInvoker(viaProxy);
        using var directInvoker = new HttpMessageInvoker(direct);
        using var meter = new Meter("Edge.RegistryProxy.Tests." + Guid.NewGuid().ToString("N"));
        var time = new FakeTimeProvider();
        var metrics = new ResilienceMetrics(meter);
        var options = new RegistryProxyOptions();
        var log = new ListLogger();
        var docker = new Upstream("docker", new Uri("http://registry.docker.test"), [], [], true, "operator", "operator-pw", new Uri("socks5://u:p@127.0.0.1:1080"));
        var ghcr = new Upstream("ghcr", new Uri("http://ghcr.test"), [], [], false, null, null);
        var channels = new UpstreamChannels(
        [
            new UpstreamChannel(docker, viaInvoker, options.UpstreamTimeout, options.Resilience, time, metrics, log),
            new UpstreamChannel(ghcr, directInvoker, options.UpstreamTimeout, options.Resilience, time, metrics, log),
        ]);
        var client = new UpstreamClient(channels, new RealmCache(), new ProxyTokenSource(new TokenFetcher(channels), time), options, log);

        using var result = await client.SendAsync(new UpstreamRequest(docker, HttpMethod.Get, "/v2/library/app/blobs/sha256:1", "library/app", null), CancellationToken.None);

        Assert.Equal(200, result.Status);
        Assert.Equal("layer", await result.Response!.Content.ReadAsStringAsync());
        Assert.Equal(
            ["registry.docker.test", "auth.docker.test", "registry.docker.test", "cdn.docker.test", "auth.cdn.test", "cdn.docker.test"],
            viaProxy.Requests.Select(r => r.RequestUri!.Host));
        Assert.Equal(0, direct.Count);
        // The redirect target never gets the operator's token: only the CDN's own anonymous one.
        Assert.Equal("Bearer cdn-token", viaProxy.Requests[5].Headers.Authorization?.ToString());
    }

    [Fact]
    public void Upstream_ToStringAndRedact_NeverShowPasswordOrProxyCredentials()
    {
        var upstream = new Upstream("docker", new Uri("http://registry.test"), [], [], true, "operator", "operator-pw", new Uri("socks5://edge:pa%40ss@127.0.0.1:1080"));

        var text = upstream.ToString();
        var redacted = upstream.Redact("failed with operator-pw via edge:pa%40ss or pa@ss");

        Assert.Equal("upstream 'docker' (http://registry.test)", text);
        Assert.Equal("socks5://127.0.0.1:1080", upstream.DescribeProxy());
        Assert.DoesNotContain("operator-pw", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("pa%40ss", redacted, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> Challenge(string realm, string service)
    {
        var response = ScriptedHandler.Status(401);
        response.Headers.TryAddWithoutValidation("WWW-Authenticate", $"Bearer realm=\"{realm}\",service=\"{service}\"");
        return Task.FromResult(response);
    }

    private static Task<HttpResponseMessage> Token(string token) =>
        Task.FromResult(ScriptedHandler.Status(200, body: $$"""{"token":"{{token}}","expires_in":300}"""));

    private static Task<HttpResponseMessage> Redirect(string location)
    {
        var response = ScriptedHandler.Status((int)HttpStatusCode.TemporaryRedirect);
        response.Headers.Location = new Uri(location);
        return Task.FromResult(response);
    }
}
