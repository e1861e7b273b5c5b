namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Registry media types used by the fixtures.</summary>
public static class MediaTypes
{
    /// <summary>Docker image manifest schema 2.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Docker manifest list.</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>Docker image config.</summary>
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    /// <summary>Docker gzip layer.</summary>
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>OCI image index.</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>OCI image config.</summary>
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>OCI gzip layer.</summary>
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>Every manifest type, for Accept headers.</summary>
    public static readonly IReadOnlyList<string> AllManifests = [DockerManifest, DockerManifestList, OciManifest, OciIndex];
}
