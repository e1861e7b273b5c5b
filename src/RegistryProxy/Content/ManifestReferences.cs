using System.Text.Json;

namespace Edge.RegistryProxy.Content;

/// <summary>The digests a manifest or index points to: what a client pulling it will ask for next.</summary>
internal sealed record ManifestReferences(Descriptor? Config, IReadOnlyList<Descriptor>? Layers, IReadOnlyList<Descriptor>? Manifests, IReadOnlyList<Descriptor>? Blobs)
{
    public static IEnumerable<string> Read(ReadOnlySpan<byte> manifest)
    {
        ManifestReferences? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(manifest, RegistryJsonContext.Default.ManifestReferences);
        }
        catch (JsonException)
        {
            return [];
        }

        if (parsed is null)
        {
            return [];
        }

        return new[] { parsed.Config }
            .Concat(parsed.Layers ?? [])
            .Concat(parsed.Manifests ?? [])
            .Concat(parsed.Blobs ?? [])
            .Where(d => d?.Digest is not null)
            .Select(d => d!.Digest!)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }
}

/// <summary>An OCI descriptor, as far as linking needs it.</summary>
internal sealed record Descriptor(string? Digest);
