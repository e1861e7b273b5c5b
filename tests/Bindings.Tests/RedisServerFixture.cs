using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary>One plain <c>redis-server</c> shared by the tests of a class; each test uses a key prefix of its own.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? server;

    internal RedisServer Server => server ?? throw new InvalidOperationException("The Redis server has not started.");

    public async Task InitializeAsync() => server = await RedisServer.StartAsync();

    public Task DisposeAsync()
    {
        server?.Dispose();
        return Task.CompletedTask;
    }
}
