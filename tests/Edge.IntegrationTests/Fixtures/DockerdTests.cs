using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class DockerdTests
{
    [Fact]
    public async Task PullAsync_InsecureRegistryDirect_RepoDigestsContainPushedDigest()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/alpine-test", "1").WithLayer(256 * 1024, 7).PushAsync(registry);
        await using var dockerd = await Dockerd.StartAsync(new DockerdOptions { InsecureRegistries = [registry.Host] });
        var reference = image.Reference(registry.Host);

        var pull = await dockerd.PullAsync(reference);
        var digests = await dockerd.RepoDigestsAsync(reference);

        Assert.True(pull.Succeeded, pull.Describe() + dockerd.Output);
        Assert.Contains($"{registry.Host}/library/alpine-test@{image.ManifestDigest}", digests);
    }

    [Fact]
    public async Task PullAsync_RegistryMirrorForDockerHub_PullsFromMirror()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var image = await TestImage.Create("library/mirror-test", "1").PushAsync(registry);
        await using var dockerd = await Dockerd.StartAsync(new DockerdOptions { RegistryMirrors = [registry.Url] });

        var pull = await dockerd.PullAsync("mirror-test:1");
        var digests = await dockerd.RepoDigestsAsync("mirror-test:1");

        Assert.True(pull.Succeeded, pull.Describe() + dockerd.Output);
        Assert.Contains($"mirror-test@{image.ManifestDigest}", digests);
        Assert.Contains("/v2/library/mirror-test/manifests/1", registry.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginAsync_TokenAuthPrivateRepository_PullSucceedsOnlyAfterLogin()
    {
        var options = new TokenServerOptions().WithPushUser("pusher", "p").WithUser("alice", "a-secret").WithPrivateRepository("team/secret", "alice");
        await using var tokens = await TokenServer.StartAsync(options);
        await using var registry = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { TokenAuth = tokens.RegistryAuth() });
        var image = await TestImage.Create("team/secret", "1").PushAsync(registry, tokens);
        await using var dockerd = await Dockerd.StartAsync();
        var reference = image.Reference(registry.Host);

        var anonymous = await dockerd.PullAsync(reference);
        var login = await dockerd.LoginAsync(registry.Host, "alice", "a-secret");
        var pull = await dockerd.PullAsync(reference);

        Assert.False(anonymous.Succeeded, anonymous.Describe());
        Assert.True(login.Succeeded, login.Describe());
        Assert.True(pull.Succeeded, pull.Describe() + dockerd.Output);
        Assert.Contains($"{registry.Host}/team/secret@{image.ManifestDigest}", await dockerd.RepoDigestsAsync(reference));
        Assert.Contains(tokens.Requests, r => r.CredentialKind == "basic" && r.User == "alice" && r.StatusCode == 200);
    }
}
