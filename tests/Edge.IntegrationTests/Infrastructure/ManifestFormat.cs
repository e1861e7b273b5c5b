namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Image manifest flavour a <see cref="TestImage"/> is pushed as.</summary>
public enum ManifestFormat
{
    /// <summary>application/vnd.docker.distribution.manifest.v2+json (index: manifest list v2).</summary>
    DockerSchema2,

    /// <summary>application/vnd.oci.image.manifest.v1+json (index: OCI image index).</summary>
    Oci,
}
