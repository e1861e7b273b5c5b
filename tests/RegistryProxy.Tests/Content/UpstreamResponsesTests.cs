using Edge.Functions;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Routing;
using Edge.RegistryProxy.Tests.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.RegistryProxy.Tests.Content;

public class UpstreamResponsesTests
{
    private static string Rewrite(string upstreamHeader, string path, string host = "mirror.local:5000", string scheme = "https", string? ns = null)
    {
        var result = Tables.Router().Resolve(host, path, ns);
        Assert.NotNull(result.Route);
        var challenge = AuthChallenge.Parse(upstreamHeader);
        Assert.NotNull(challenge);
        var request = new ProxyRequest(new DefaultHttpContext(), result.Route, new FakeFetchContext(new ClientInfo(null, scheme, host)));

        return UpstreamResponses.RewriteChallenge(challenge, request);
    }

    [Fact]
    public void RewriteChallenge_DockerHub_RealmOnClientHostServiceKept()
    {
        var header = Rewrite(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/nginx:pull\"",
            "/v2/library/nginx/manifests/latest");

        var rewritten = AuthChallenge.Parse(header);
        Assert.NotNull(rewritten);
        Assert.Equal("https://mirror.local:5000/_edge/token/docker", rewritten.Realm);
        Assert.Equal("registry.docker.io", rewritten.Service);
        Assert.Equal("repository:library/nginx:pull", rewritten.Scope);
        Assert.StartsWith("Bearer realm=", header, StringComparison.Ordinal);
    }

    [Fact]
    public void RewriteChallenge_PathPrefixedGhcr_ScopeInClientNames()
    {
        var header = Rewrite(
            "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:owner/app:pull\"",
            "/v2/ghcr.io/owner/app/manifests/1",
            scheme: "http");

        var rewritten = AuthChallenge.Parse(header);
        Assert.NotNull(rewritten);
        Assert.Equal("http://mirror.local:5000/_edge/token/ghcr", rewritten.Realm);
        Assert.Equal("ghcr.io", rewritten.Service);
        Assert.Equal("repository:ghcr.io/owner/app:pull", rewritten.Scope);
    }

    [Fact]
    public void RewriteChallenge_OfficialImageShortName_ScopeUsesClientName()
    {
        var header = Rewrite(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/nginx:pull\"",
            "/v2/nginx/manifests/latest");

        Assert.Equal("repository:nginx:pull", AuthChallenge.Parse(header)?.Scope);
    }

    [Fact]
    public void RewriteChallenge_SeveralScopes_OnlyRoutedRepositoryRenamed()
    {
        var header = Rewrite(
            "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:owner/app:pull repository:other/base:pull\"",
            "/v2/ghcr.io/owner/app/manifests/1");

        Assert.Equal("repository:ghcr.io/owner/app:pull repository:other/base:pull", AuthChallenge.Parse(header)?.Scope);
    }

    [Fact]
    public void RewriteChallenge_NoUpstreamScope_NoneAdded()
    {
        var header = Rewrite("Bearer realm=\"https://quay.io/v2/auth\",service=\"quay.io\"", "/v2/quay.io/org/app/manifests/1");

        var rewritten = AuthChallenge.Parse(header);
        Assert.NotNull(rewritten);
        Assert.Null(rewritten.Scope);
        Assert.Equal("quay.io", rewritten.Service);
        Assert.Equal("https://mirror.local:5000/_edge/token/quay", rewritten.Realm);
    }

    [Fact]
    public void RewriteChallenge_Basic_LeftAsUpstreamSent()
    {
        var header = Rewrite("Basic realm=\"Registry Realm\"", "/v2/library/nginx/manifests/latest");

        Assert.Equal("Basic realm=\"Registry Realm\"", header);
    }

    [Fact]
    public void RewriteChallenge_ErrorParameter_Kept()
    {
        var header = Rewrite(
            "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:owner/app:pull\",error=\"insufficient_scope\"",
            "/v2/ghcr.io/owner/app/manifests/1");

        Assert.Equal("insufficient_scope", AuthChallenge.Parse(header)?.Parameters["error"]);
    }

    private sealed class FakeFetchContext(ClientInfo client) : IFetchContext
    {
        public CancellationToken Aborted => CancellationToken.None;

        public ILogger Logger => NullLogger.Instance;

        public ClientInfo Client => client;

        public void WaitUntil(Task work)
        {
        }

        public void WaitUntil(Func<CancellationToken, Task> work)
        {
        }
    }
}
