using Edge.IntegrationTests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.IntegrationTests.Proxy;

/// <summary>
/// Two `edge serve` processes behind one name, as a load-balanced deployment runs them: the cache bucket in one S3
/// (s3rver) and the metadata in one Redis (redis-server). What one proxy pulled, the other serves, also with upstream down.
/// </summary>
public sealed class SharedCacheTests
{
    private const string Password = "it-shared-Pa55";
    private const string S3Bucket = "shared-cache";

    [Fact]
    public async Task Pull_TwoProxiesSharingS3AndRedis_SecondServesWhatFirstCachedWhileUpstreamIsDown()
    {
        await using var s3 = await S3Server.StartAsync(S3Bucket);
        await using var redis = await RedisServer.StartNewAsync(Password);
        await using var upstream = await DistributionRegistry.StartNewAsync();
        using var sandbox = new TempDirectory("edge-shared-it-");
        await using var first = Proxy(sandbox.CreateSubdirectory("first"), s3, redis, upstream);
        await using var second = Proxy(sandbox.CreateSubdirectory("second"), s3, redis, upstream);
        await first.StartAsync();
        await second.StartAsync();
        var image = await TestImage.Create("library/shared", "1").WithLayer(6 * 1024 * 1024, 1801).WithLayer(2048, 1802).PushAsync(upstream);
        using var skopeo = new Skopeo();

        var viaFirst = await skopeo.CopyToDirAsync($"docker://{first.Host}/shared:1");
        Assert.True(viaFirst.Succeeded, viaFirst.Command.Describe() + first.Output);
        // The first proxy commits to S3 in the background after its client has the bytes: wait (bounded) for that.
        foreach (var layer in image.Layers)
        {
            Assert.True(await WaitForS3ObjectAsync(s3, layer.Digest, layer.Size), $"{layer.Digest} not in S3." + first.Output);
        }

        await upstream.StopAsync();
        var viaSecond = await skopeo.CopyToDirAsync($"docker://{second.Host}/shared:1");

        Assert.True(viaSecond.Succeeded, viaSecond.Command.Describe() + second.Output);
        Assert.Equal(image.ManifestDigest, viaSecond.ManifestDigest);
        foreach (var layer in image.Layers)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(viaSecond.Directory, layer.Digest["sha256:".Length..]));
            Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }

        Assert.Contains("cache=stale", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("cache=miss", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, first.Output + second.Output, StringComparison.Ordinal);
    }

    private static EdgeProcess Proxy(string dataDirectory, S3Server s3, RedisServer redis, DistributionRegistry upstream) =>
        EdgeProcess.Create()
            .WithDataDirectory(dataDirectory)
            .WithSetting("Registry:Upstreams:docker:Url", upstream.Url)
            .WithSetting("Edge:Buckets:cache:Type", "s3")
            .WithSetting("Edge:Buckets:cache:Endpoint", s3.Endpoint)
            .WithSetting("Edge:Buckets:cache:BucketName", S3Bucket)
            .WithSetting("Edge:Buckets:cache:Prefix", "mirror")
            .WithSetting("Edge:Buckets:cache:PartSize", (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("AWS_ACCESS_KEY_ID", S3Server.AccessKey)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", S3Server.SecretKey)
            .WithSetting("Edge:KeyValue:Type", "redis")
            .WithSetting("Edge:KeyValue:Url", redis.Url)
            .WithEnvironment("Edge__KeyValue__Password", Password);

    private static async Task<bool> WaitForS3ObjectAsync(S3Server s3, string digest, long size)
    {
        var hex = digest["sha256:".Length..];
        var path = Path.Combine(s3.DataDirectory, S3Bucket, "mirror", "blobs", "sha256", hex[..2], hex + "._S3rver_object");
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(path) && new FileInfo(path).Length == size)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
