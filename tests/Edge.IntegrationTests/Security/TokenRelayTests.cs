using System.Net;
using System.Text.Json.Nodes;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>The proxy's token endpoint relays GET (Basic) and containerd's POST form to the upstream's realm, in upstream's names.</summary>
public sealed class TokenRelayTests
{
    [Fact]
    public async Task TokenEndpoint_BasicFormAnonymousAndPathForm_RelaysCredentialsAndMappedScopes()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .WithSetting("Registry:Upstreams:ghcr:Url", upstream.Registry.Url)
            .StartAsync();
        using var http = EdgeHttp.CreateClient();
        var tokens = upstream.Tokens;
        var endpoint = edge.Url + "/_edge/token/docker";
        var service = Uri.EscapeDataString(tokens.Service);

        // 1. GET with Basic: library/ added to a single-component name.
        var basic = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{endpoint}?service={service}&scope={Uri.EscapeDataString("repository:busybox-test:pull")}", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));
        Assert.True(basic.Status == HttpStatusCode.OK, basic.Body);
        AssertBothTokens(basic.Body);
        Assert.Contains(tokens.Requests, r => r.CredentialKind == "basic" && r.User == AuthUpstream.User && r.StatusCode == 200
            && r.Scopes.SequenceEqual(["repository:library/busybox-test:pull"]) && r.GrantedScopes.Contains("repository:library/busybox-test:pull"));

        // 2. Path-form scope: the ghcr.io/ prefix is removed (and ghcr gets no library/).
        var before = tokens.Requests.Count;
        var pathForm = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{endpoint}?service={service}&scope={Uri.EscapeDataString("repository:ghcr.io/private/secret:pull")}", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));
        Assert.True(pathForm.Status == HttpStatusCode.OK, pathForm.Body);
        var pathFormRecord = Assert.Single(tokens.Requests.Skip(before));
        Assert.Equal(["repository:private/secret:pull"], pathFormRecord.Scopes);
        Assert.Equal(AuthUpstream.User, pathFormRecord.User);
        Assert.Contains("repository:private/secret:pull", pathFormRecord.GrantedScopes);

        // 3. containerd's POST form (grant_type=password), with a scope whose actions contain a comma.
        before = tokens.Requests.Count;
        using var form = new FormUrlEncodedContent(
        [
            new("grant_type", "password"),
            new("username", AuthUpstream.User),
            new("password", AuthUpstream.Password),
            new("service", tokens.Service),
            new("scope", "repository:private/secret:pull,push"),
            new("client_id", "containerd-client"),
        ]);
        using var post = await http.PostAsync(endpoint, form);
        var postBody = await post.Content.ReadAsStringAsync();
        Assert.True(post.StatusCode == HttpStatusCode.OK, postBody);
        var postToken = AssertBothTokens(postBody);
        var postRecord = Assert.Single(tokens.Requests.Skip(before));
        Assert.Equal(AuthUpstream.User, postRecord.User);
        Assert.True(postRecord.HadCredentials);
        Assert.Equal(tokens.Service, postRecord.Service);
        Assert.Equal(["repository:private/secret:pull,push"], postRecord.Scopes);
        Assert.Equal(["repository:private/secret:pull"], postRecord.GrantedScopes);

        // The relayed token really unlocks the private manifest through the proxy.
        var manifest = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/private/secret/manifests/1", "Bearer " + postToken);
        Assert.True(manifest.Status == HttpStatusCode.OK, manifest.Body);
        Assert.Equal(upstream.PrivateImage.ManifestJson, manifest.Body);

        // 4. A comma-carrying scope survives the GET query too.
        before = tokens.Requests.Count;
        var comma = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{endpoint}?service={service}&scope={Uri.EscapeDataString("repository:busybox-test:pull,push")}", EdgeHttp.Basic(AuthUpstream.User, AuthUpstream.Password));
        Assert.True(comma.Status == HttpStatusCode.OK, comma.Body);
        Assert.Equal(["repository:library/busybox-test:pull,push"], Assert.Single(tokens.Requests.Skip(before)).Scopes);

        // 5. Anonymous: no credentials reach the token service, and the public pull is granted.
        before = tokens.Requests.Count;
        var anonymous = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{endpoint}?service={service}&scope={Uri.EscapeDataString("repository:busybox-test:pull")}");
        Assert.True(anonymous.Status == HttpStatusCode.OK, anonymous.Body);
        var anonymousToken = AssertBothTokens(anonymous.Body);
        var anonymousRecord = Assert.Single(tokens.Requests.Skip(before));
        Assert.False(anonymousRecord.HadCredentials);
        Assert.Equal(["repository:library/busybox-test:pull"], anonymousRecord.GrantedScopes);
        var publicManifest = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/busybox-test/manifests/1", "Bearer " + anonymousToken);
        Assert.True(publicManifest.Status == HttpStatusCode.OK, publicManifest.Body);
        Assert.Equal(upstream.PublicImage.ManifestJson, publicManifest.Body);

        // 6. Wrong password: the token service's refusal reaches the client, no token.
        var wrong = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{endpoint}?service={service}&scope={Uri.EscapeDataString("repository:private/secret:pull")}", EdgeHttp.Basic(AuthUpstream.User, "wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.DoesNotContain("\"token\"", wrong.Body, StringComparison.Ordinal);

        Assert.Contains("POST /_edge/token/docker 200", edge.Output, StringComparison.Ordinal);
        await EdgeHttp.AssertHealthyAsync(edge);
    }

    private static string AssertBothTokens(string body)
    {
        var json = JsonNode.Parse(body) as JsonObject;
        Assert.NotNull(json);
        var token = json["token"]?.GetValue<string>();
        var accessToken = json["access_token"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(token), body);
        Assert.Equal(token, accessToken);
        return token!;
    }
}
