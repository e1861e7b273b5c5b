namespace Edge.Host.Deploy.Loading;

/// <summary>What a bundle holds, read whole before anything is loaded so that no file of it stays open.</summary>
internal sealed class BundleContents
{
    /// <summary>The function's main assembly.</summary>
    public required AssemblyImage Main { get; init; }

    /// <summary>Private dependencies by simple name: every managed assembly of the bundle the host does not have.</summary>
    public required IReadOnlyDictionary<string, AssemblyImage> PrivateAssemblies { get; init; }

    /// <summary>Bundle files (paths with '/') of assemblies the host has: the function binds to the host's copies.</summary>
    public required IReadOnlyList<string> IgnoredFiles { get; init; }

    /// <summary>Native libraries for this machine by file name, and their paths in the bundle.</summary>
    public required IReadOnlyDictionary<string, string> NativeLibraries { get; init; }

    /// <summary>.dll files of the bundle that are not loadable .NET assemblies, by simple name, with the reason: named
    /// when something references them.</summary>
    public required IReadOnlyDictionary<string, string> UnreadableAssemblies { get; init; }
}
