using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Routing;
using Edge.RegistryProxy.Tests.Routing;

namespace Edge.RegistryProxy.Tests.Content;

public class CacheKeysTests
{
    private const string Docker = "application/vnd.docker.distribution.manifest.v2+json";
    private const string DockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
    private const string Oci = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";

    private static readonly Digest Sample = new("sha256", "ab" + new string('0', 62));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void AcceptKey_NullOrEmpty_None(string? accept)
    {
        Assert.Equal("none", CacheKeys.AcceptKey(accept));
    }

    [Fact]
    public void AcceptKey_OrderDoesNotMatter_SameKey()
    {
        Assert.Equal(
            CacheKeys.AcceptKey($"{Docker}, {DockerList}, {Oci}, {OciIndex}"),
            CacheKeys.AcceptKey($"{OciIndex},{Oci},{DockerList},{Docker}"));
    }

    [Fact]
    public void AcceptKey_WhitespaceQParamsDuplicatesCase_SameKey()
    {
        var plain = CacheKeys.AcceptKey($"{Docker},{Oci}");

        Assert.Equal(plain, CacheKeys.AcceptKey($"  {Docker} ,\t{Oci}  "));
        Assert.Equal(plain, CacheKeys.AcceptKey($"{Docker}; q=0.9, {Oci};q=1"));
        Assert.Equal(plain, CacheKeys.AcceptKey($"{Docker},{Oci},{Docker},,"));
        Assert.Equal(plain, CacheKeys.AcceptKey($"{Docker.ToUpperInvariant()},{Oci}"));
    }

    [Fact]
    public void AcceptKey_DifferentTypeSets_DifferentKeys()
    {
        var keys = new[]
        {
            CacheKeys.AcceptKey(Docker),
            CacheKeys.AcceptKey($"{Docker},{DockerList}"),
            CacheKeys.AcceptKey($"{Docker},{DockerList},{Oci},{OciIndex}"),
            CacheKeys.AcceptKey($"{Oci},{OciIndex}"),
            CacheKeys.AcceptKey("*/*"),
            CacheKeys.AcceptKey(null),
        };

        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void AcceptKey_Hash_IsShortLowercaseHex()
    {
        var key = CacheKeys.AcceptKey(Docker);

        Assert.Matches("^[0-9a-f]{16}$", key);
    }

    [Fact]
    public void Tag_KeyedByAccept_DiffersPerAcceptSet()
    {
        var docker = Tables.Build().Default;

        var withOci = CacheKeys.Tag(docker, "library/nginx", "latest", $"{Oci},{OciIndex}");
        var withoutOci = CacheKeys.Tag(docker, "library/nginx", "latest", Docker);

        Assert.StartsWith("tag/docker/library/nginx:latest#", withOci, StringComparison.Ordinal);
        Assert.NotEqual(withOci, withoutOci);
    }

    [Fact]
    public void BlobAndManifest_ShardedByDigestPrefix()
    {
        Assert.Equal($"blobs/sha256/ab/{Sample.Hex}", CacheKeys.Blob(Sample));
        Assert.Equal($"manifests/sha256/ab/{Sample.Hex}", CacheKeys.Manifest(Sample));
    }

    [Fact]
    public void LinkAndPublic_IncludeUpstreamAndRepository()
    {
        var table = Tables.Build();
        Assert.True(table.TryGetByName("ghcr", out var ghcr));

        Assert.Equal($"link/ghcr/owner/app@{Sample}", CacheKeys.Link(ghcr, "owner/app", Sample));
        Assert.Equal("public/ghcr/owner/app", CacheKeys.Public(ghcr, "owner/app"));
        Assert.NotEqual(CacheKeys.Public(ghcr, "owner/app"), CacheKeys.Public(table.Default, "owner/app"));
    }

    [Theory]
    [InlineData(null, "application/vnd.oci.image.index.v1+json", true)]
    [InlineData("*/*", "application/vnd.oci.image.index.v1+json", true)]
    [InlineData("application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json;q=0.9", "application/vnd.oci.image.index.v1+json", true)]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.index.v1+json", false)]
    public void Accepts_ClientAcceptAndStoredType_MatchesOnMediaTypeOnly(string? accept, string mediaType, bool expected)
    {
        Assert.Equal(expected, CacheKeys.Accepts(accept, mediaType));
    }
}
