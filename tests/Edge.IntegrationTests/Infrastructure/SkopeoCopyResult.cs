namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Outcome of <c>skopeo copy … dir:OUT</c>.</summary>
/// <param name="Command">Exit code and output.</param>
/// <param name="ManifestDigest">sha256 of the copied manifest.json, or null when the copy failed.</param>
/// <param name="Directory">The dir: destination.</param>
public sealed record SkopeoCopyResult(CommandResult Command, string? ManifestDigest, string Directory)
{
    /// <summary>True when skopeo exited 0.</summary>
    public bool Succeeded => Command.Succeeded;
}
