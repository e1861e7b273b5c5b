using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class TokenServerTests
{
    private static TokenServerOptions Options() => new TokenServerOptions()
        .WithPushUser("pusher", "push-secret")
        .WithUser("alice", "alice-secret")
        .WithUser("bob", "bob-secret")
        .WithPrivateRepository("team/private", "alice");

    [Fact]
    public async Task TokenAuthRegistry_AnonymousPublicPull_Succeeds()
    {
        await using var tokens = await TokenServer.StartAsync(Options());
        await using var registry = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { TokenAuth = tokens.RegistryAuth() });
        var image = await TestImage.Create("library/public", "1").PushAsync(registry, tokens);
        using var skopeo = new Skopeo();

        var copy = await skopeo.CopyToDirAsync("docker://" + image.Reference(registry.Host));

        Assert.True(copy.Succeeded, copy.Command.Describe() + registry.Output);
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        Assert.Contains(tokens.Requests, r => !r.HadCredentials && r.StatusCode == 200 && r.GrantedScopes.Contains("repository:library/public:pull"));
    }

    [Fact]
    public async Task TokenAuthRegistry_PrivateRepository_AnonymousFailsAndCredentialsSucceed()
    {
        await using var tokens = await TokenServer.StartAsync(Options());
        await using var registry = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { TokenAuth = tokens.RegistryAuth() });
        var image = await TestImage.Create("team/private", "1").PushAsync(registry, tokens);
        using var skopeo = new Skopeo();
        var source = "docker://" + image.Reference(registry.Host);

        var anonymous = await skopeo.CopyToDirAsync(source);
        var otherUser = await skopeo.CopyToDirAsync(source, "bob:bob-secret");
        var wrongPassword = await skopeo.CopyToDirAsync(source, "alice:wrong");
        var allowed = await skopeo.CopyToDirAsync(source, "alice:alice-secret");

        Assert.False(anonymous.Succeeded, anonymous.Command.Describe());
        Assert.False(otherUser.Succeeded, otherUser.Command.Describe());
        Assert.False(wrongPassword.Succeeded, wrongPassword.Command.Describe());
        Assert.True(allowed.Succeeded, allowed.Command.Describe() + registry.Output);
        Assert.Equal(image.ManifestDigest, allowed.ManifestDigest);
        var requests = tokens.Requests;
        Assert.Contains(requests, r => r.CredentialKind == "basic" && r.User == "alice" && r.StatusCode == 200
            && r.GrantedScopes.Contains("repository:team/private:pull"));
        Assert.Contains(requests, r => r.User == "alice" && r.StatusCode == 401);
        Assert.Contains(requests, r => r.User == "bob" && r.StatusCode == 200 && r.GrantedScopes.Count == 0);
        Assert.All(requests, r => Assert.Equal(tokens.Service, r.Service));
    }

    [Fact]
    public async Task TokenAuthRegistry_PushWithoutToken_IsRejected()
    {
        await using var tokens = await TokenServer.StartAsync(Options());
        await using var registry = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { TokenAuth = tokens.RegistryAuth() });

        var push = () => TestImage.Create("library/nope", "1").PushAsync(registry);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(push);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostToken_FormCredentials_ContainerdPullsPrivateImage()
    {
        await using var tokens = await TokenServer.StartAsync(Options());
        await using var registry = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { TokenAuth = tokens.RegistryAuth() });
        var image = await TestImage.Create("team/private", "1").PushAsync(registry, tokens);
        await using var containerd = await Containerd.StartAsync();
        using var hosts = new TempDirectory("edge-hosts-");
        HostsToml.WritePlainHttpServer(hosts.Path, registry.Host);

        var pull = await containerd.PullAsync(image.Reference(registry.Host), hosts.Path, "alice", "alice-secret");

        Assert.True(pull.Succeeded, pull.Describe() + registry.Output);
        Assert.Equal(image.ManifestDigest, await containerd.ImageDigestAsync(image.Reference(registry.Host)));
        Assert.Contains(tokens.Requests, r => r.Method == "POST" && r.CredentialKind == "form" && r.User == "alice" && r.StatusCode == 200);
    }
}
