using System.Net;
using System.Text.Json.Nodes;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>
/// The operator's upstream credentials let anonymous clients PULL through the proxy; the token endpoint must not turn
/// them into upstream tokens with more than pull for whoever asks.
/// </summary>
public sealed class OperatorCredentialTests
{
    [Fact]
    public async Task TokenEndpoint_AnonymousPushScopeWithOperatorCredentials_TokenGrantsPullOnly()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        // An operator whose upstream account may push (a typical Docker Hub account can push its own repositories).
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .WithSetting("Registry:Upstreams:docker:Username", "pusher")
            .WithSetting("Registry:Upstreams:docker:Password", "pusher-secret-3Jd")
            .StartAsync();
        using var http = EdgeHttp.CreateClient();
        var before = upstream.Tokens.Requests.Count;

        var answer = await EdgeHttp.SendAsync(
            http,
            HttpMethod.Get,
            $"{edge.Url}/_edge/token/docker?service=edge-test-registry&scope={Uri.EscapeDataString("repository:hijacked:pull,push")}&scope={Uri.EscapeDataString("repository:private/secret:pull,push,delete")}");

        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        var token = JsonNode.Parse(answer.Body)?["token"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(token));
        var relayed = Assert.Single(upstream.Tokens.Requests.Skip(before));
        Assert.Equal("pusher", relayed.User);
        Assert.All(relayed.GrantedScopes, s => Assert.EndsWith(":pull", s, StringComparison.Ordinal));
        Assert.Contains("repository:library/hijacked:pull", relayed.GrantedScopes);

        // The token the anonymous client got cannot push to the upstream.
        var push = await Assert.ThrowsAsync<InvalidOperationException>(() => TestImage.Create("library/hijacked", "1").PushAsync(upstream.Registry.Url, token));
        Assert.Contains("401", push.Message, StringComparison.Ordinal);

        // Anonymous pulls through the proxy still work with the operator's credentials.
        using var skopeo = new Skopeo();
        var copy = await skopeo.CopyToDirAsync("docker://" + upstream.PrivateImage.Reference(edge.Host));
        Assert.True(copy.Succeeded, copy.Command.Describe() + edge.Output);
        Assert.Equal(upstream.PrivateImage.ManifestDigest, copy.ManifestDigest);
        await EdgeHttp.AssertHealthyAsync(edge);
    }
}
