using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary>One s3rver for a test class, with the bucket <see cref="Bucket"/>; each test uses its own key prefix.</summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public const string Bucket = "edge-tests";

    private S3Server? server;

    internal S3Server Server => server ?? throw new InvalidOperationException("The S3 server is not started.");

    public async Task InitializeAsync() => server = await S3Server.StartAsync(Bucket);

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
