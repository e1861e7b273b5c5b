using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>The cache never widens access: private content cached for one client is not served to anonymous ones.</summary>
public sealed partial class AccessControlTests
{
    [Fact]
    public async Task CachedPrivateImage_AnonymousClients_RefusedWhilePublicImageServedAlsoWithUpstreamDown()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .StartAsync();
        using var skopeo = new Skopeo();
        using var http = EdgeHttp.CreateClient();
        var secret = upstream.PrivateImage;
        var open = upstream.PublicImage;
        var secretSource = "docker://" + secret.Reference(edge.Host);
        var openSource = "docker://" + open.Reference(edge.Host);

        // Warm the cache: the private image with alice's credentials, the public one anonymously.
        var authorized = await skopeo.CopyToDirAsync(secretSource, AuthUpstream.Credentials);
        Assert.True(authorized.Succeeded, authorized.Command.Describe() + edge.Output);
        Assert.Equal(secret.ManifestDigest, authorized.ManifestDigest);
        var openCopy = await skopeo.CopyToDirAsync(openSource);
        Assert.True(openCopy.Succeeded, openCopy.Command.Describe() + edge.Output);
        Assert.Equal(open.ManifestDigest, openCopy.ManifestDigest);
        Assert.Matches(@"GET /v2/private/secret/blobs/sha256:[0-9a-f]{64} 200 upstream=docker repo=private/secret cache=miss", edge.Output);

        // Anonymous clients: skopeo, raw GETs without Authorization, with an anonymous token, with another user's token.
        await AssertPrivateRefusedAsync("upstream running", upstreamDown: false);

        // The public image cached the same way IS served anonymously (no Authorization at all).
        await AssertPublicServedAsync("upstream running");

        // Upstream down: the public cache still serves, the private one is still refused.
        await upstream.Registry.StopAsync();
        var openOffline = await skopeo.CopyToDirAsync(openSource);
        Assert.True(openOffline.Succeeded, openOffline.Command.Describe() + edge.Output);
        Assert.Equal(open.ManifestDigest, openOffline.ManifestDigest);
        await AssertPublicServedAsync("upstream stopped");
        await AssertPrivateRefusedAsync("upstream stopped", upstreamDown: true);

        // Its token service down too: clients get the proxy's offline token, which unlocks public cache only.
        var secretTokens = await TokenAsync(http, edge, "repository:private/secret:pull", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));
        await upstream.StopTokenServerAsync();
        var offlineToken = await TokenAsync(http, edge, "repository:private/secret:pull", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));
        Assert.NotEqual(secretTokens, offlineToken);
        var openNoAuthService = await skopeo.CopyToDirAsync(openSource);
        Assert.True(openNoAuthService.Succeeded, openNoAuthService.Command.Describe() + edge.Output);
        Assert.Equal(open.ManifestDigest, openNoAuthService.ManifestDigest);
        var offlinePrivate = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/private/secret/manifests/{secret.ManifestDigest}", "Bearer " + offlineToken);
        Assert.True(offlinePrivate.Status != HttpStatusCode.OK, "the offline token unlocked private content: " + offlinePrivate.Body);
        var anonymousOffline = await skopeo.CopyToDirAsync(secretSource);
        Assert.False(anonymousOffline.Succeeded, "anonymous skopeo pulled a private image with the token service down: " + anonymousOffline.Command.Describe());
        await EdgeHttp.AssertHealthyAsync(edge);

        async Task AssertPrivateRefusedAsync(string when, bool upstreamDown)
        {
            var anonymousCopy = await skopeo.CopyToDirAsync(secretSource);
            Assert.False(anonymousCopy.Succeeded, $"{when}: anonymous skopeo pulled a private image: {anonymousCopy.Command.Describe()}");
            var otherUser = await skopeo.CopyToDirAsync(secretSource, AuthUpstream.OtherUser + ":" + AuthUpstream.OtherPassword);
            Assert.False(otherUser.Succeeded, $"{when}: bob pulled alice's private image: {otherUser.Command.Describe()}");

            var anonymousToken = await TokenAsync(http, edge, "repository:private/secret:pull", null);
            var bobToken = await TokenAsync(http, edge, "repository:private/secret:pull", EdgeHttp.Basic(AuthUpstream.OtherUser, AuthUpstream.OtherPassword));
            string?[] authorizations = [null, "Bearer " + anonymousToken, "Bearer " + bobToken, "Bearer not-a-token"];
            string[] paths =
            [
                $"/v2/private/secret/manifests/{secret.ManifestDigest}",
                "/v2/private/secret/manifests/1",
                $"/v2/private/secret/blobs/{secret.Layers[0].Digest}",
                $"/v2/private/secret/blobs/{secret.ConfigDigest}",
            ];
            // The private layer is in the cache: asking for it under the PUBLIC repository's name must not serve it.
            foreach (var authorization in (string?[])[null, "Bearer " + await TokenAsync(http, edge, "repository:busybox-test:pull", null)])
            {
                var crossRepository = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/busybox-test/blobs/{secret.Layers[0].Digest}", authorization);
                Assert.True(
                    crossRepository.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound
                        || (upstreamDown && crossRepository.Status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable),
                    $"{when}: private layer served under the public repository's name: {(int)crossRepository.Status}");
            }

            foreach (var authorization in authorizations)
            {
                foreach (var path in paths)
                {
                    foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
                    {
                        var answer = await EdgeHttp.SendAsync(http, method, edge.Url + path, authorization);
                        var who = authorization is null ? "no Authorization" : authorization[..Math.Min(authorization.Length, 20)] + "…";
                        var refused = answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound
                            || (upstreamDown && answer.Status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout);
                        Assert.True(
                            refused,
                            $"{when}: {method} {path} with {who} answered {(int)answer.Status}: {answer.Body}");
                        Assert.DoesNotContain(secret.ConfigDigest, answer.Body, StringComparison.Ordinal);
                        Assert.False(answer.Headers.TryGetValues("Docker-Content-Digest", out _), $"{when}: {method} {path} leaked Docker-Content-Digest");
                    }
                }
            }
        }

        async Task AssertPublicServedAsync(string when)
        {
            var manifest = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/busybox-test/manifests/{open.ManifestDigest}");
            Assert.True(manifest.Status == HttpStatusCode.OK, $"{when}: {manifest.Body}");
            Assert.Equal(open.ManifestJson, manifest.Body);
            using var blob = await http.GetAsync($"{edge.Url}/v2/busybox-test/blobs/{open.ConfigDigest}");
            Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
            Assert.Equal(open.ConfigDigest, LayerArchive.DigestOf(await blob.Content.ReadAsByteArrayAsync()));
        }
    }

    [Fact]
    public async Task UpstreamCredentials_AnonymousClientPullsPrivateImage_ConfiguredUserUsedAndNoSecretsLogged()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .WithSetting("Registry:Upstreams:docker:Username", AuthUpstream.User)
            .WithSetting("Registry:Upstreams:docker:Password", AuthUpstream.Password)
            .WithSetting("Logging:LogLevel:Default", "Debug")
            .StartAsync();
        using var skopeo = new Skopeo();
        using var http = EdgeHttp.CreateClient();
        var secret = upstream.PrivateImage;

        var copy = await skopeo.CopyToDirAsync("docker://" + secret.Reference(edge.Host));
        var again = await skopeo.CopyToDirAsync("docker://" + secret.Reference(edge.Host));
        // Tokens the token service issued, as clients obtain them through the proxy, then used against it.
        var relayed = await TokenAsync(http, edge, "repository:private/secret:pull", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));
        var anonymous = await TokenAsync(http, edge, "repository:busybox-test:pull", null);
        var withToken = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/private/secret/manifests/1", "Bearer " + relayed);
        var withBasic = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));

        Assert.True(copy.Succeeded, copy.Command.Describe() + edge.Output);
        Assert.Equal(secret.ManifestDigest, copy.ManifestDigest);
        Assert.True(again.Succeeded, again.Command.Describe());
        Assert.Equal(secret.ManifestDigest, again.ManifestDigest);
        Assert.Equal(HttpStatusCode.OK, withToken.Status);
        Assert.True(withBasic.Status is HttpStatusCode.OK or HttpStatusCode.Unauthorized, withBasic.Body);
        Assert.Contains(upstream.Tokens.Requests, r => r.CredentialKind == "basic" && r.User == AuthUpstream.User && r.StatusCode == 200
            && r.GrantedScopes.Contains("repository:private/secret:pull"));
        // The anonymous client never sent credentials: every credentialed token request was the proxy's (alice).
        Assert.All(upstream.Tokens.Requests.Where(r => r.HadCredentials), r => Assert.Equal(AuthUpstream.User, r.User));

        var output = edge.Output;
        Assert.Contains("GET /v2/private/secret/manifests/1 200", output, StringComparison.Ordinal);
        Assert.DoesNotContain(AuthUpstream.Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(AuthUpstream.Credentials)), output, StringComparison.Ordinal);
        Assert.DoesNotContain(relayed, output, StringComparison.Ordinal);
        Assert.DoesNotContain(anonymous, output, StringComparison.Ordinal);
        // Every token the TokenServer issues is a JWT ("eyJ…" header); none, nor any part, may be logged.
        Assert.Empty(JwtLike().Matches(output));
        await EdgeHttp.AssertHealthyAsync(edge);
    }

    private static async Task<string> TokenAsync(HttpClient http, EdgeProcess edge, string scope, string? authorization)
    {
        var answer = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/_edge/token/docker?service=edge-test-registry&scope={Uri.EscapeDataString(scope)}", authorization);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        return JsonNode.Parse(answer.Body)?["token"]?.GetValue<string>() ?? throw new InvalidOperationException("no token: " + answer.Body);
    }

    [GeneratedRegex("eyJ[A-Za-z0-9_-]{8,}")]
    private static partial Regex JwtLike();
}
