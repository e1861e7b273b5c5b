using System.Text.Json.Serialization;

namespace Edge.Host.Deploy.Admin;

/// <summary>The answer to a deploy, rollback, rollout, delete or secret change.</summary>
internal sealed record OperationDocument(string Status, string Message, IReadOnlyList<string> Errors, string? Version);

/// <summary>One function in <c>GET /_edge/functions</c>.</summary>
internal sealed record FunctionDocument(
    string Name,
    string Source,
    string State,
    string? Version,
    string? Candidate,
    int CandidatePercent,
    IReadOnlyList<string> Routes,
    IReadOnlyList<string> Schedules,
    string? Isolation,
    int InFlight,
    IReadOnlyList<string> Errors);

/// <summary>One version in <c>GET /_edge/functions/NAME/versions</c>; secrets by name only.</summary>
internal sealed record VersionDocument(
    string Version,
    DateTimeOffset Created,
    string Code,
    string Digest,
    string? Message,
    IReadOnlyList<string> Secrets,
    IReadOnlyList<string> Routes,
    string Serving);

/// <summary>The admin API's documents, serialized without reflection.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OperationDocument))]
[JsonSerializable(typeof(List<FunctionDocument>))]
[JsonSerializable(typeof(List<VersionDocument>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class FunctionApiJson : JsonSerializerContext;
