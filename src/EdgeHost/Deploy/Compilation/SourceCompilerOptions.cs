namespace Edge.Host.Deploy.Compilation;

/// <summary>Limits and inputs of <see cref="SourceCompiler"/>.</summary>
internal sealed class SourceCompilerOptions
{
    /// <summary>The default of <see cref="MaxSourceBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxSourceBytes = 1024 * 1024;

    /// <summary>
    /// The largest source file accepted, in bytes. Default 1 MiB: a one-file function is a few kilobytes, and a compile
    /// holds the text, its syntax tree and the compilation in memory at once, so the limit bounds what one deploy costs
    /// the host.
    /// </summary>
    public int MaxSourceBytes { get; set; } = DefaultMaxSourceBytes;

    /// <summary>
    /// The folder holding the reference assemblies and source generators. Default (null): <c>refs</c> beside the
    /// executable (<see cref="AppContext.BaseDirectory"/>), where build and publish put them (see EdgeHost.csproj). Never
    /// the running framework's own files: a single-file publish has no paths for them.
    /// </summary>
    public string? ReferenceDirectory { get; set; }

    /// <summary>The reference folder in use: <see cref="ReferenceDirectory"/> or its default.</summary>
    public string ResolvedReferenceDirectory => ReferenceDirectory ?? Path.Combine(AppContext.BaseDirectory, "refs");

    /// <summary>Every problem with these options, each naming its key under <paramref name="section"/>.</summary>
    public IReadOnlyList<string> Validate(string section)
    {
        var errors = new List<string>();
        if (MaxSourceBytes <= 0)
        {
            errors.Add($"{section}:MaxSourceBytes must be positive (default {DefaultMaxSourceBytes}), not {MaxSourceBytes}.");
        }

        var missing = CompilerReferences.MissingFiles(ResolvedReferenceDirectory);
        if (missing.Count > 0)
        {
            var key = ReferenceDirectory is null ? $"{section}:ReferenceDirectory (default {ResolvedReferenceDirectory})" : $"{section}:ReferenceDirectory";
            errors.Add($"{key}: {ResolvedReferenceDirectory} lacks {string.Join(", ", missing)}; the host's build and publish copy the reference assemblies there (EdgeHost.csproj), so this host was installed without them.");
        }

        return errors;
    }
}
