using System.Collections.ObjectModel;

namespace Edge.Bindings;

/// <summary>Object metadata as every bucket kind hands it out: read-only, and one shared empty instance for none.</summary>
internal static class ObjectMetadata
{
    public static IReadOnlyDictionary<string, string> AsReadOnly(Dictionary<string, string>? metadata) =>
        metadata is null || metadata.Count == 0 ? ReadOnlyDictionary<string, string>.Empty : metadata.AsReadOnly();
}
