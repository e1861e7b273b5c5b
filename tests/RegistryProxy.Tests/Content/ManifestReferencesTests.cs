using System.Text;
using Edge.RegistryProxy.Content;

namespace Edge.RegistryProxy.Tests.Content;

public class ManifestReferencesTests
{
    private static readonly string Config = "sha256:" + new string('c', 64);
    private static readonly string Layer1 = "sha256:" + new string('1', 64);
    private static readonly string Layer2 = "sha256:" + new string('2', 64);

    private static string[] Read(string json) => ManifestReferences.Read(Encoding.UTF8.GetBytes(json)).ToArray();

    [Fact]
    public void Read_DockerV2Manifest_ConfigThenLayers()
    {
        var json = $$"""
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
              "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469, "digest": "{{Config}}" },
              "layers": [
                { "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 31, "digest": "{{Layer1}}" },
                { "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32, "digest": "{{Layer2}}" }
              ]
            }
            """;

        Assert.Equal([Config, Layer1, Layer2], Read(json));
    }

    [Fact]
    public void Read_OciIndex_PlatformManifests()
    {
        var json = $$"""
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.oci.image.index.v1+json",
              "manifests": [
                { "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 7, "digest": "{{Layer1}}", "platform": { "architecture": "amd64", "os": "linux" } },
                { "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 7, "digest": "{{Layer2}}", "platform": { "architecture": "arm64", "os": "linux" } }
              ],
              "annotations": { "org.opencontainers.image.created": "2024-01-01T00:00:00Z" }
            }
            """;

        Assert.Equal([Layer1, Layer2], Read(json));
    }

    [Fact]
    public void Read_ArtifactBlobsAndDuplicates_DistinctDigests()
    {
        var json = $$"""{"config":{"digest":"{{Config}}"},"layers":[{"digest":"{{Layer1}}"},{"digest":"{{Layer1}}"}],"blobs":[{"digest":"{{Layer2}}"}]}""";

        Assert.Equal([Config, Layer1, Layer2], Read(json));
    }

    [Fact]
    public void Read_DescriptorsWithoutDigest_Skipped()
    {
        var json = $$"""{"config":{},"layers":[{"size":3},{"digest":"{{Layer1}}"}]}""";

        Assert.Equal([Layer1], Read(json));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("{\"layers\": [")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"config\": {\"digest\": 5}}")]
    [InlineData("{\"schemaVersion\": 1, \"fsLayers\": [{\"blobSum\": \"sha256:aa\"}]}")]
    public void Read_GarbageOrUnknown_Empty(string text)
    {
        Assert.Empty(Read(text));
    }

    [Fact]
    public void Read_InvalidUtf8_Empty()
    {
        Assert.Empty(ManifestReferences.Read([0xff, 0xfe, 0x00, 0x7b]));
    }
}
