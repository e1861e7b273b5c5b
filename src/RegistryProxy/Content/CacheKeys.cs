using System.Security.Cryptography;
using System.Text;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// Where things live. Content is addressed by digest only (validated hex, never a client string), shared
/// across repositories and upstreams; which repository may see which content is recorded in links.
/// </summary>
internal static class CacheKeys
{
    public static string Blob(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Hex[..2]}/{digest.Hex}";

    public static string Manifest(Digest digest) => $"manifests/{digest.Algorithm}/{digest.Hex[..2]}/{digest.Hex}";

    public static string Tag(Upstream upstream, string repository, string tag, string? accept) =>
        TagPrefix(upstream, repository, tag) + AcceptKey(accept);

    /// <summary>The prefix shared by a tag's records for every Accept set.</summary>
    public static string TagPrefix(Upstream upstream, string repository, string tag) =>
        $"tag/{upstream.Name}/{repository}:{tag}#";

    /// <summary>Whether a client sending <paramref name="accept"/> can take a manifest of <paramref name="mediaType"/>.</summary>
    public static bool Accepts(string? accept, string mediaType)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return true;
        }

        return accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Split(';')[0].Trim())
            .Any(t => t == "*/*" || string.Equals(t, mediaType.Split(';')[0].Trim(), StringComparison.OrdinalIgnoreCase));
    }

    public static string Link(Upstream upstream, string repository, Digest digest) => $"link/{upstream.Name}/{repository}@{digest}";

    public static string Public(Upstream upstream, string repository) => $"public/{upstream.Name}/{repository}";

    /// <summary>
    /// Tag lookups are keyed by what the client accepts: a registry answers a client that lacks OCI or list
    /// types with a different manifest, or none.
    /// </summary>
    public static string AcceptKey(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return "none";
        }

        var types = accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Split(';')[0].Trim().ToLowerInvariant())
            .Where(t => t.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var joined = string.Join('\n', types);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)))[..16];
    }
}
