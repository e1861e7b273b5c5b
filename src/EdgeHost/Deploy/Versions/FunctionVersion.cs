namespace Edge.Host.Deploy.Versions;

/// <summary>How a version's code was deployed.</summary>
internal enum CodeKind
{
    /// <summary>A built function project (<c>edge deploy DIR</c>): its output directory.</summary>
    Bundle,

    /// <summary>One C# source file compiled on the host (<c>edge deploy FILE.cs</c>).</summary>
    Source,
}

/// <summary>
/// One immutable deployed version of a function: its code (by digest), its manifest and the names of its secrets (the
/// values are stored beside it, never in this record, so listing versions can never show them).
/// </summary>
/// <param name="Function">The function's name.</param>
/// <param name="Number">Its number, counting from 1 per function; shown as <see cref="Id"/>.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Code">How its code was deployed.</param>
/// <param name="CodeDigest">sha256 over the code's files (relative paths and contents), <c>sha256:HEX</c>.</param>
/// <param name="Manifest">Routes, vars, bindings, schedules, limits.</param>
/// <param name="SecretNames">The names of its secrets, sorted.</param>
/// <param name="Message">Why it was made (the CLI's <c>--message</c>, or what made it: "secret put KEY", "rollback to v3").</param>
internal sealed record FunctionVersion(
    string Function,
    int Number,
    DateTimeOffset CreatedAt,
    CodeKind Code,
    string CodeDigest,
    FunctionManifest Manifest,
    IReadOnlyList<string> SecretNames,
    string? Message)
{
    /// <summary>The version as users name it: <c>v12</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Id => "v" + Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
