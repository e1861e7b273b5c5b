using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>Real clients with credentials pull private images through the proxy's rewritten realm.</summary>
public sealed class PrivateClientPullTests
{
    [Fact]
    public async Task DockerPull_PrivateImageAfterLogin_SucceedsAndFailsWithoutLogin()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .StartAsync();
        await using var dockerd = await Dockerd.StartAsync();
        var reference = upstream.PrivateImage.Reference(edge.Host);

        var anonymous = await dockerd.PullAsync(reference);
        var badLogin = await dockerd.LoginAsync(edge.Host, AuthUpstream.User, "wrong-password");
        var login = await dockerd.LoginAsync(edge.Host, AuthUpstream.User, AuthUpstream.Password);
        var pull = await dockerd.PullAsync(reference);

        Assert.False(anonymous.Succeeded, "anonymous pull of a private image must fail: " + anonymous.Describe());
        Assert.False(badLogin.Succeeded, "login with a wrong password must fail: " + badLogin.Describe());
        Assert.True(login.Succeeded, login.Describe() + edge.Output);
        Assert.True(pull.Succeeded, pull.Describe() + edge.Output + dockerd.Output);
        Assert.Contains($"{edge.Host}/{AuthUpstream.PrivateRepository}@{upstream.PrivateImage.ManifestDigest}", await dockerd.RepoDigestsAsync(reference));
        Assert.Contains(upstream.Tokens.Requests, r => r.CredentialKind == "basic" && r.User == AuthUpstream.User && r.StatusCode == 200
            && r.GrantedScopes.Contains("repository:private/secret:pull"));
        // The client only ever talked to the proxy's token endpoint.
        Assert.Contains("GET /_edge/token/docker 200", edge.Output, StringComparison.Ordinal);
        await EdgeHttp.AssertHealthyAsync(edge);
    }

    [Fact]
    public async Task DockerPull_PrivateImageAfterLoginToSubdomainHost_RealmOnThatHostAndDigestMatches()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        EdgeHosts.Ensure("docker.edge.test");
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .WithSetting("Registry:Domain", "edge.test")
            .StartAsync();
        var host = "docker.edge.test:" + edge.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var dockerd = await Dockerd.StartAsync(new DockerdOptions { InsecureRegistries = [host] });
        var reference = upstream.PrivateImage.Reference(host);

        var anonymous = await dockerd.PullAsync(reference);
        var login = await dockerd.LoginAsync(host, AuthUpstream.User, AuthUpstream.Password);
        var pull = await dockerd.PullAsync(reference);

        Assert.False(anonymous.Succeeded, "anonymous pull of a private image must fail: " + anonymous.Describe());
        Assert.True(login.Succeeded, login.Describe() + edge.Output);
        Assert.True(pull.Succeeded, pull.Describe() + edge.Output + dockerd.Output);
        Assert.Contains($"{host}/{AuthUpstream.PrivateRepository}@{upstream.PrivateImage.ManifestDigest}", await dockerd.RepoDigestsAsync(reference));
        Assert.Contains(upstream.Tokens.Requests, r => r.CredentialKind == "basic" && r.User == AuthUpstream.User && r.StatusCode == 200
            && r.GrantedScopes.Contains("repository:private/secret:pull"));
        await EdgeHttp.AssertHealthyAsync(edge);
    }

    [Fact]
    public async Task ContainerdPull_PrivateImageWithUserViaHostsTomlMirror_PostsTokenFormAndDigestMatches()
    {
        await using var upstream = await AuthUpstream.StartAsync();
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Registry.Url)
            .StartAsync();
        await using var containerd = await Containerd.StartAsync();
        using var hosts = new TempDirectory("edge-hosts-");
        HostsToml.Write(hosts.Path, "docker.io", edge.Url);
        const string Reference = "docker.io/private/secret:1";

        var anonymous = await containerd.PullAsync(Reference, hosts.Path);
        var pull = await containerd.PullAsync(Reference, hosts.Path, AuthUpstream.User, AuthUpstream.Password);

        Assert.False(anonymous.Succeeded, "anonymous pull of a private image must fail: " + anonymous.Describe());
        Assert.True(pull.Succeeded, pull.Describe() + edge.Output);
        Assert.Equal(upstream.PrivateImage.ManifestDigest, await containerd.ImageDigestAsync(Reference));
        Assert.Contains("POST /_edge/token/docker 200", edge.Output, StringComparison.Ordinal);
        Assert.Contains(upstream.Tokens.Requests, r => r.User == AuthUpstream.User && r.StatusCode == 200
            && r.GrantedScopes.Contains("repository:private/secret:pull"));
        await EdgeHttp.AssertHealthyAsync(edge);
    }
}
