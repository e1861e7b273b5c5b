using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary>One Azurite for a test class; each test uses a container of its own.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? server;

    internal AzuriteServer Server => server ?? throw new InvalidOperationException("Azurite is not started.");

    public async Task InitializeAsync() => server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
