using System.Text.Json.Serialization;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Errors;

namespace Edge.RegistryProxy;

/// <summary>Source-generated JSON for everything the proxy reads or writes.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(TagRecord))]
[JsonSerializable(typeof(ManifestReferences))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
