using System.Text.Json.Serialization;

namespace Edge.Bindings.Disk;

/// <summary>Source-generated JSON for the bindings' small on-disk documents (no reflection at run time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ObjectSidecar))]
internal sealed partial class BindingsJsonContext : JsonSerializerContext;
