using System.Globalization;
using System.Net;
using Edge.IntegrationTests.Infrastructure;
using Edge.IntegrationTests.Security;
using Xunit.Abstractions;

namespace Edge.IntegrationTests.Proxy;

/// <summary>
/// <c>Registry:Upstreams:NAME:Proxy</c> with a real SOCKS5 server (microsocks): that upstream's registry, its token
/// realm and its blob redirects go through it; other upstreams go direct.
/// </summary>
public sealed class EgressProxyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Pull_UpstreamThroughSocks5_RegistryRealmAndCdnThroughItOtherUpstreamDirect()
    {
        // docker: token auth (realm on its own port), blobs answered with 307 to a CDN on a third port. ghcr: plain, direct.
        await using var upstream = await AuthUpstream.StartAsync();
        await using var ghcr = await DistributionRegistry.StartNewAsync();
        var directImage = await TestImage.Create("owner/direct-app", "1").WithLayer(64 * 1024, 2101).PushAsync(ghcr);
        var frontPort = FreePort.Next();
        var cdnPort = FreePort.Next();
        var realmPort = new Uri(upstream.Tokens.Url).Port;
        // The CDN stands for signed URLs: it rejects a forwarded Authorization and reaches the registry with its own token.
        var cdnToken = upstream.Tokens.IssueToken("cdn", [new TokenScope("repository", AuthUpstream.PublicRepository, ["pull"])]);
        var distribution = "http://127.0.0.1:" + Nginx.Port(upstream.Registry.Port);
        await using var nginx = await Nginx.StartAsync(
            $$"""
              server {
                listen 127.0.0.1:{{Nginx.Port(frontPort)}};
                access_log @DIR@/front.log edge;
                location ~ ^/v2/.+/blobs/sha256: {
                  if ($request_method ~ ^(GET|HEAD)$) {
                    return 307 http://127.0.0.1:{{Nginx.Port(cdnPort)}}$request_uri;
                  }
                  proxy_pass {{distribution}};
                }
                location / {
                  proxy_pass {{distribution}};
                }
              }
              server {
                listen 127.0.0.1:{{Nginx.Port(cdnPort)}};
                access_log @DIR@/cdn.log edge;
                location / {
                  if ($http_authorization != "") {
                    return 400 'Only one auth mechanism allowed';
                  }
                  proxy_set_header Authorization "Bearer {{cdnToken}}";
                  proxy_pass {{distribution}};
                }
              }
            """,
            frontPort,
            cdnPort);
        using var socks = await Microsocks.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", "http://127.0.0.1:" + Nginx.Port(frontPort))
            .WithSetting("Registry:Upstreams:docker:Proxy", socks.Url)
            .WithSetting("Registry:Upstreams:ghcr:Url", ghcr.Url)
            .StartAsync();
        using var skopeo = new Skopeo();

        var throughSocks = await skopeo.CopyToDirAsync($"docker://{edge.Host}/busybox-test:1");
        var direct = await skopeo.CopyToDirAsync($"docker://{edge.Host}/ghcr.io/owner/direct-app:1");

        var context = $"{Environment.NewLine}microsocks: {socks.Output}{Environment.NewLine}edge: {edge.Output}";
        Assert.True(throughSocks.Succeeded, throughSocks.Command.Describe() + context);
        Assert.Equal(upstream.PublicImage.ManifestDigest, throughSocks.ManifestDigest);
        Assert.True(direct.Succeeded, direct.Command.Describe() + context);
        Assert.Equal(directImage.ManifestDigest, direct.ManifestDigest);
        foreach (var layer in upstream.PublicImage.Layers)
        {
            Assert.Equal(layer.Digest, await LayerArchive.DigestOfFileAsync(Path.Combine(throughSocks.Directory, layer.Digest["sha256:".Length..])));
        }

        // microsocks carried the registry, its token realm and the CDN the blobs were redirected to.
        await socks.WaitUntilCarriedAsync(cdnPort, TimeSpan.FromSeconds(10));
        Assert.True(socks.Carried(frontPort), "registry not reached through the proxy" + context);
        Assert.True(socks.Carried(realmPort), "token realm not reached through the proxy" + context);
        Assert.True(socks.Carried(cdnPort), "CDN not reached through the proxy" + context);
        // ghcr went direct: microsocks never connected to it, and nothing else but docker's three hosts.
        Assert.False(socks.Carried(ghcr.Port), "ghcr went through docker's proxy" + context);
        Assert.All(socks.Destinations, d => Assert.Contains(d, new[] { frontPort, realmPort, cdnPort }.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture))));
        // The CDN really served the blobs, without any Authorization from the proxy.
        var cdn = nginx.ReadLog("cdn.log");
        foreach (var layer in upstream.PublicImage.Layers)
        {
            Assert.True(cdn.Contains($"\"GET /v2/{AuthUpstream.PublicRepository}/blobs/{layer.Digest} HTTP/1.1\" 200 auth=\"-\"", StringComparison.Ordinal), "CDN log: " + cdn);
        }

        Assert.Contains(upstream.Tokens.Requests, r => r.Scopes.Contains($"repository:{AuthUpstream.PublicRepository}:pull"));
        await EdgeHttp.AssertHealthyAsync(edge);
    }

    [Fact]
    public async Task Pull_Socks5RequiresCredentials_RightOnesPullWrongOnesClearErrorNamingUpstreamAndProxy()
    {
        const string User = "edge";
        const string Password = "socks-pw-4Rt:x@y";
        const string WrongPassword = "wrong-pw-8Kq";
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/socks-auth", "1").WithLayer(32 * 1024, 2102).PushAsync(registry);
        using var socks = await Microsocks.StartAsync(User, Password);
        // Two upstreams on the same registry and proxy: docker with the right password, quay with a wrong one.
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", registry.Url)
            .WithSetting("Registry:Upstreams:docker:Proxy", socks.UrlWith(User, Password))
            .WithSetting("Registry:Upstreams:quay:Url", registry.Url)
            .WithSetting("Registry:Upstreams:quay:Proxy", socks.UrlWith(User, WrongPassword))
            .StartAsync();
        using var skopeo = new Skopeo();
        using var http = EdgeHttp.CreateClient();

        var pulled = await skopeo.CopyToDirAsync($"docker://{edge.Host}/socks-auth:1");
        var refused = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/quay.io/library/socks-auth/manifests/1");

        var context = $"{Environment.NewLine}microsocks: {socks.Output}{Environment.NewLine}edge: {edge.Output}";
        Assert.True(pulled.Succeeded, pulled.Command.Describe() + context);
        Assert.Equal(image.ManifestDigest, pulled.ManifestDigest);
        Assert.True(socks.Carried(registry.Port), context);
        Assert.True(refused.Status == HttpStatusCode.BadGateway, $"{(int)refused.Status} {refused.Body}");
        Assert.Equal("UNAVAILABLE", EdgeHttp.ErrorCode(refused.Body));
        var message = EdgeHttp.ErrorMessage(refused.Body)!;
        output.WriteLine("wrong credentials: " + message);
        Assert.StartsWith($"upstream 'quay' ({registry.Url}) is unreachable through its proxy {socks.Url}: ", message, StringComparison.Ordinal);
        Assert.Contains("SOCKS", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("authenticat", message, StringComparison.OrdinalIgnoreCase);
        // Neither password (nor its percent-encoded form) in anything the proxy said.
        foreach (var secret in new[] { Password, WrongPassword, Uri.EscapeDataString(Password) })
        {
            Assert.DoesNotContain(secret, edge.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, refused.Body, StringComparison.Ordinal);
        }
    }
}
