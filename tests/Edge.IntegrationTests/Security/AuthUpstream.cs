using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>
/// A token-auth upstream for the security tests: a <see cref="TokenServer"/> (its own port, so the realm host differs
/// from the registry's) and a CNCF distribution trusting it, with one public image (<c>library/busybox-test:1</c>) and
/// one private image (<c>private/secret:1</c>, pullable by alice only).
/// </summary>
internal sealed class AuthUpstream : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "alice-secret-7Qx";
    public const string OtherUser = "bob";
    public const string OtherPassword = "bob-secret-9Zk";
    public const string PrivateRepository = "private/secret";
    public const string PublicRepository = "library/busybox-test";

    private AuthUpstream(TokenServer tokens, DistributionRegistry registry, PushedImage publicImage, PushedImage privateImage)
    {
        Tokens = tokens;
        Registry = registry;
        PublicImage = publicImage;
        PrivateImage = privateImage;
    }

    public TokenServer Tokens { get; }

    public DistributionRegistry Registry { get; }

    public PushedImage PublicImage { get; }

    public PushedImage PrivateImage { get; }

    public static string Credentials => User + ":" + Password;

    public static async Task<AuthUpstream> StartAsync()
    {
        var options = new TokenServerOptions()
            .WithPushUser("pusher", "pusher-secret-3Jd")
            .WithUser(User, Password)
            .WithUser(OtherUser, OtherPassword)
            .WithPrivateRepository(PrivateRepository, User);
        var tokens = await TokenServer.StartAsync(options);
        DistributionRegistry? registry = null;
        try
        {
            registry = await DistributionRegistry.StartNewAsync(new DistributionRegistryOptions { TokenAuth = tokens.RegistryAuth() });
            var publicImage = await TestImage.Create(PublicRepository, "1").WithLayer(64 * 1024, 101).PushAsync(registry, tokens);
            var privateImage = await TestImage.Create(PrivateRepository, "1").WithLayer(64 * 1024, 202).PushAsync(registry, tokens);
            return new AuthUpstream(tokens, registry, publicImage, privateImage);
        }
        catch
        {
            if (registry is not null)
            {
                await registry.DisposeAsync();
            }

            await tokens.DisposeAsync();
            throw;
        }
    }

    private bool _tokensStopped;

    /// <summary>Stops the token service for good (the registry keeps running until it is stopped itself).</summary>
    public async Task StopTokenServerAsync()
    {
        if (!_tokensStopped)
        {
            _tokensStopped = true;
            await Tokens.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        await StopTokenServerAsync();
    }
}
