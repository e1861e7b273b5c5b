using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

/// <summary>
/// <c>edge serve</c> with <c>Edge:KeyValue:Type=redis</c> against a real password-protected redis-server: the registry
/// proxy's metadata lands in Redis under the key prefix, a Redis outage fails requests cleanly (503) without taking
/// the host down, and pulls work again once Redis is back and the host has reconnected by itself.
/// </summary>
public sealed class RedisKeyValuePullTests
{
    private const string Password = "it-redis-Pa55";

    [Fact]
    public async Task SkopeoPull_RedisKeyValue_MetadataInRedisAndSurvivesRedisOutage()
    {
        await using var redis = await RedisServer.StartNewAsync(Password);
        await using var upstream = await DistributionRegistry.StartNewAsync();
        using var sandbox = new TempDirectory("edge-redis-it-");
        await using var edge = EdgeProcess.Create()
            .WithDataDirectory(sandbox.CreateSubdirectory("data"))
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
            .WithSetting("Edge:KeyValue:Type", "redis")
            .WithSetting("Edge:KeyValue:Url", redis.Url)
            .WithSetting("Edge:KeyValue:KeyPrefix", "itest:")
            .WithSetting("Edge:KeyValue:ConnectTimeout", "00:00:03")
            .WithSetting("Logging:LogLevel:Edge.Bindings", "Debug")
            .WithEnvironment("Edge__KeyValue__Password", Password);
        await edge.StartAsync();
        var image = await TestImage.Create("library/redis-kv", "1").WithLayer(256 * 1024, 1501).PushAsync(upstream);
        using var skopeo = new Skopeo();

        // 1. A pull through the proxy writes tag, link and access metadata to Redis under the prefix.
        var copy = await skopeo.CopyToDirAsync($"docker://{edge.Host}/redis-kv:1");

        Assert.True(copy.Succeeded, copy.Command.Describe() + Describe(edge, redis));
        Assert.Equal(image.ManifestDigest, copy.ManifestDigest);
        var tags = Lines((await redis.CliAsync("--scan", "--pattern", "itest:kv:8:registry:tag/*")).StandardOutput);
        var tag = Assert.Single(tags);
        Assert.StartsWith("itest:kv:8:registry:tag/docker/library/redis-kv:1#", tag, StringComparison.Ordinal);
        var record = (await redis.CliAsync("GET", tag)).StandardOutput;
        Assert.Contains(image.ManifestDigest, record, StringComparison.Ordinal);
        var links = Lines((await redis.CliAsync("--scan", "--pattern", "itest:kv:8:registry:link/*")).StandardOutput);
        Assert.Contains($"itest:kv:8:registry:link/docker/library/redis-kv@{image.ManifestDigest}", links);
        foreach (var layer in image.Layers)
        {
            Assert.Contains($"itest:kv:8:registry:link/docker/library/redis-kv@{layer.Digest}", links);
        }

        var index = Lines((await redis.CliAsync("ZRANGE", "itest:kx:8:registry", "0", "-1")).StandardOutput);
        Assert.Contains(tag["itest:kv:8:registry:".Length..], index);
        Assert.Empty(Lines((await redis.CliAsync("--scan", "--pattern", "registry*")).StandardOutput));

        // 2. Redis down: a manifest request fails promptly with a server error, the host stays up.
        redis.Kill();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var duringOutage = await http.GetAsync(new Uri($"{edge.Url}/v2/redis-kv/manifests/1"));
        clock.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, duringOutage.StatusCode);
        var outageBody = await duringOutage.Content.ReadAsStringAsync();
        using (var outageJson = System.Text.Json.JsonDocument.Parse(outageBody))
        {
            Assert.Equal("UNAVAILABLE", outageJson.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        }

        Assert.Contains("storage is unavailable", outageBody, StringComparison.Ordinal);
        Assert.DoesNotContain(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), outageBody, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The failed request took {clock.Elapsed}.");
        using var health = await http.GetAsync(new Uri($"{edge.Url}/_edge/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(await OutputContainsAsync(edge, $"Redis at 127.0.0.1:{redis.Port} is unavailable"), Describe(edge, redis));

        // 3. Redis back (empty: no persistence): once the host has reconnected by itself (its reconnect attempts
        //    come at most 5 s apart), the pull works again and the metadata is written anew.
        await redis.StartAsync();
        Assert.True(await OutputContainsAsync(edge, $"Redis at 127.0.0.1:{redis.Port} is reachable again", attempts: 300), Describe(edge, redis));
        var again = await skopeo.CopyToDirAsync($"docker://{edge.Host}/redis-kv:1");

        Assert.True(again.Succeeded, again.Command.Describe() + Describe(edge, redis));
        Assert.Equal(image.ManifestDigest, again.ManifestDigest);
        Assert.Single(Lines((await redis.CliAsync("--scan", "--pattern", "itest:kv:8:registry:tag/*")).StandardOutput));
        Assert.DoesNotContain(Password, edge.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, string.Join(' ', edge.Arguments), StringComparison.Ordinal);
    }

    /// <summary>Polls the output (at most <paramref name="attempts"/> times, 50 ms apart): log lines reach it asynchronously.</summary>
    private static async Task<bool> OutputContainsAsync(EdgeProcess edge, string text, int attempts = 100)
    {
        for (var i = 0; i < attempts && !edge.Output.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }

        return edge.Output.Contains(text, StringComparison.Ordinal);
    }

    private static List<string> Lines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string Describe(EdgeProcess edge, RedisServer redis) =>
        $"{Environment.NewLine}--- edge ---{Environment.NewLine}{edge.Output}{Environment.NewLine}--- redis ---{Environment.NewLine}{redis.Output}";
}
