using System.Text.Json.Serialization;

namespace Edge.Host.Deploy.Versions;

/// <summary>The version store's files (<c>version.json</c>, <c>state.json</c>, <c>secrets.json</c>), serialized without
/// reflection.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FunctionVersion))]
[JsonSerializable(typeof(FunctionState))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class VersionJson : JsonSerializerContext;
