using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Host.Tests.Hosting;

/// <summary><c>Edge:KeyValue</c> in the host: its errors reported with every other one, and a Redis (or its Sentinels) down at start.</summary>
public sealed class KeyValueConfigurationTests : IDisposable
{
    private const string Secret = "hunter2-not-for-logs";
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Build_BadRedisSettingsAmongOthers_ReportsAllAtOnceWithoutSecret()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], Settings(
            ("Edge:TrustedProxies:0", "not-an-address"),
            ("Edge:KeyValue:Type", "redis"),
            ("Edge:KeyValue:Url", $"redis://:{Secret}@127.0.0.1/x"),
            ("Edge:KeyValue:OperationTimeout", "00:00:00"))));

        Assert.Equal(3, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e.Contains("not-an-address", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("database number", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("OperationTimeout", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_RedisDown_HostStartsAndBindsTheRedisStore()
    {
        // A port nothing listens on: the host must still start; only key-value operations fail.
        await using var app = EdgeApplication.Build(null, [], Settings(
            ("Edge:KeyValue:Type", "redis"),
            ("Edge:KeyValue:Url", "redis://127.0.0.1:1"),
            ("Edge:KeyValue:ConnectTimeout", "00:00:02")));
        await app.StartAsync();

        var store = app.Services.GetRequiredService<BindingProvider>().GetKeyValue("registry");

        Assert.Equal("RedisKeyValueStore", store.GetType().Name);
        var ex = await Assert.ThrowsAnyAsync<IOException>(async () => await store.GetAsync("k"));
        Assert.Contains("Could not connect to Redis at 127.0.0.1:1", ex.Message, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Build_SentinelsDown_HostStartsAndBindsTheRedisStore()
    {
        await using var app = EdgeApplication.Build(null, [], Settings(
            ("Edge:KeyValue:Type", "redis"),
            ("Edge:KeyValue:Url", $"redis+sentinel://:{Secret}@127.0.0.1:1,127.0.0.1:2/mymaster"),
            ("Edge:KeyValue:ConnectTimeout", "00:00:02")));
        await app.StartAsync();

        var store = app.Services.GetRequiredService<BindingProvider>().GetKeyValue("registry");

        var ex = await Assert.ThrowsAnyAsync<IOException>(async () => await store.GetAsync("k"));
        Assert.StartsWith("Could not connect to Redis at mymaster via Sentinel 127.0.0.1:1,127.0.0.1:2", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Edge:DataDirectory"] = dir.Combine("data"),
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }
}
