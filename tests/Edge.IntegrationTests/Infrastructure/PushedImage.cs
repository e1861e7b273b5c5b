namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Everything about a pushed <see cref="TestImage"/> that tests compare against.</summary>
/// <param name="Repository">Repository name, e.g. library/alpine-test.</param>
/// <param name="Tag">Tag.</param>
/// <param name="ManifestDigest">Digest the tag points at (the index when wrapped, else the image manifest).</param>
/// <param name="ManifestMediaType">Media type of what the tag points at.</param>
/// <param name="ManifestJson">Exact bytes (UTF-8) of what the tag points at.</param>
/// <param name="ImageManifestDigest">Digest of the platform image manifest.</param>
/// <param name="ImageManifestMediaType">Media type of the image manifest.</param>
/// <param name="ImageManifestJson">Exact bytes (UTF-8) of the image manifest.</param>
/// <param name="ConfigDigest">Digest of the config blob.</param>
/// <param name="ConfigSize">Size of the config blob.</param>
/// <param name="Layers">Layers in order.</param>
public sealed record PushedImage(
    string Repository,
    string Tag,
    string ManifestDigest,
    string ManifestMediaType,
    string ManifestJson,
    string ImageManifestDigest,
    string ImageManifestMediaType,
    string ImageManifestJson,
    string ConfigDigest,
    long ConfigSize,
    IReadOnlyList<PushedLayer> Layers)
{
    /// <summary>True when the tag points at an index / manifest list.</summary>
    public bool IsIndex => ManifestDigest != ImageManifestDigest;

    /// <summary>host/repository:tag.</summary>
    public string Reference(string host) => $"{host}/{Repository}:{Tag}";

    /// <summary>host/repository@digest.</summary>
    public string DigestReference(string host) => $"{host}/{Repository}@{ManifestDigest}";
}
