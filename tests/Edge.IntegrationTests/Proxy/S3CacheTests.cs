using Edge.IntegrationTests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.IntegrationTests.Proxy;

/// <summary>The registry proxy with its cache bucket in S3 (a real s3rver), as `edge serve` runs it.</summary>
public sealed class S3CacheTests
{
    private const string S3Bucket = "edge-cache";

    [Fact]
    public async Task Pull_S3CacheBucket_BlobsLandInS3WholeAndServeWhileUpstreamIsDown()
    {
        await using var s3 = await S3Server.StartAsync(S3Bucket);
        await using var bed = await ProxyTestbed.StartAsync(false, S3Settings(s3));
        // 12 MiB: larger than two 5 MiB parts, so it goes up as a multipart upload; the small layer with one PUT.
        var image = await TestImage.Create("library/s3-test", "1").WithLayer(12 * 1024 * 1024, 1701).WithLayer(4096, 1702).PushAsync(bed.Docker);
        using var skopeo = new Skopeo();

        var cold = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/s3-test:1");
        Assert.True(cold.Succeeded, cold.Command.Describe() + bed.Describe() + s3.Output);
        Assert.Equal(image.ManifestDigest, cold.ManifestDigest);

        // Commits finish in the background after the client has its bytes (and s3rver writes a completed object's file
        // progressively): wait, bounded, for each layer's file to reach its size, then check its bytes.
        foreach (var layer in image.Layers)
        {
            var path = S3ObjectFile(s3, layer.Digest);
            Assert.True(await WaitForSizeAsync(path, layer.Size), $"{layer.Digest} never reached {layer.Size} bytes in S3 under mirror/." + bed.Describe());
            Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
        }

        Assert.False(Directory.Exists(Path.Combine(bed.BucketDirectory, "objects")), "the disk bucket was used although the cache bucket is s3");

        await bed.Docker.StopAsync();
        var offline = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/s3-test:1");

        Assert.True(offline.Succeeded, offline.Command.Describe() + bed.Describe());
        Assert.Equal(image.ManifestDigest, offline.ManifestDigest);
        foreach (var layer in image.Layers)
        {
            Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(offline.Directory, layer.Digest["sha256:".Length..])))));
        }
    }

    [Fact]
    public async Task Pull_S3Down_ServedFromUpstreamAndCachedOnceS3IsBack()
    {
        await using var s3 = await S3Server.StartAsync(S3Bucket);
        await using var bed = await ProxyTestbed.StartAsync(false, S3Settings(s3));
        var image = await TestImage.Create("library/s3-down", "1").WithLayer(6 * 1024 * 1024, 1703).PushAsync(bed.Docker);
        using var skopeo = new Skopeo();
        await s3.StopAsync();

        var degraded = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/s3-down:1");

        Assert.True(degraded.Succeeded, degraded.Command.Describe() + bed.Describe());
        Assert.Equal(image.ManifestDigest, degraded.ManifestDigest);
        var layer = Assert.Single(image.Layers);
        Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(degraded.Directory, layer.Digest["sha256:".Length..])))));
        Assert.Contains("Serving manifest", bed.Edge.Output, StringComparison.Ordinal);
        Assert.Contains($"Serving {layer.Digest} without caching it", bed.Edge.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(S3Server.SecretKey, bed.Edge.Output, StringComparison.Ordinal);

        await s3.RestartAsync();
        var again = await skopeo.CopyToDirAsync($"docker://{bed.Edge.Host}/s3-down:1");

        Assert.True(again.Succeeded, again.Command.Describe() + bed.Describe());
        Assert.True(await WaitForSizeAsync(S3ObjectFile(s3, layer.Digest), layer.Size), "the layer was not cached once S3 was back." + bed.Describe());
    }

    private static (string, string)[] S3Settings(S3Server s3) =>
    [
        ("Edge:Buckets:cache:Type", "s3"),
        ("Edge:Buckets:cache:Endpoint", s3.Endpoint),
        ("Edge:Buckets:cache:BucketName", S3Bucket),
        ("Edge:Buckets:cache:Prefix", "mirror"),
        ("Edge:Buckets:cache:AccessKey", S3Server.AccessKey),
        ("Edge:Buckets:cache:SecretKey", S3Server.SecretKey),
        ("Edge:Buckets:cache:PartSize", (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>Where s3rver keeps the object for a blob: DIR/BUCKET/KEY._S3rver_object.</summary>
    private static string S3ObjectFile(S3Server s3, string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(s3.DataDirectory, S3Bucket, "mirror", "blobs", "sha256", hex[..2], hex + "._S3rver_object");
    }

    private static async Task<bool> WaitForSizeAsync(string path, long size)
    {
        for (var i = 0; i < 200; i++)
        {
            var file = new FileInfo(path);
            if (file.Exists && file.Length == size)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
