namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Reads a <see cref="FunctionBundle"/> into memory: managed assemblies as bytes (with their PDBs), the host's own
/// assemblies set aside, native libraries for this machine located. Every file is opened, read and closed here.
/// </summary>
/// <remarks>
/// Layout, as <c>dotnet build</c> and <c>dotnet publish</c> (framework-dependent, with or without <c>-r</c>) write it:
/// managed assemblies beside the main one, RID-specific ones in <c>runtimes/RID/lib/TFM/</c> (the most specific RID of
/// this machine and the newest TFM this runtime can run win over the portable copy), native libraries in
/// <c>runtimes/RID/native/</c> or beside the main assembly. Satellite resource assemblies (culture folders) are not
/// read: the host runs with invariant globalization.
/// </remarks>
internal static class BundleReader
{
    public static async Task<(BundleContents? Contents, FunctionLoadError Error, string? Message)> ReadAsync(FunctionBundle bundle, CancellationToken cancellationToken)
    {
        if (bundle.Directory is null)
        {
            var image = AssemblyImage.TryRead("the compiled image", bundle.Image, bundle.Symbols, out var error);
            return image is null
                ? (null, FunctionLoadError.AssemblyInvalid, error)
                : (new BundleContents
                {
                    Main = image,
                    PrivateAssemblies = new Dictionary<string, AssemblyImage>(),
                    IgnoredFiles = [],
                    NativeLibraries = new Dictionary<string, string>(),
                    UnreadableAssemblies = new Dictionary<string, string>(),
                }, FunctionLoadError.None, null);
        }

        var root = Path.GetFullPath(bundle.Directory);
        var mainFile = bundle.MainAssemblyFile!;
        if (Path.GetFileName(mainFile) != mainFile)
        {
            return (null, FunctionLoadError.BundleUnreadable, $"The main assembly '{mainFile}' must be a file name in the bundle directory, not a path.");
        }

        if (!Directory.Exists(root))
        {
            return (null, FunctionLoadError.BundleUnreadable, $"The bundle directory {root} does not exist.");
        }

        try
        {
            return await ReadDirectoryAsync(root, mainFile, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, FunctionLoadError.BundleUnreadable, $"The bundle {root} could not be read: {ex.Message}");
        }
    }

    private static async Task<(BundleContents?, FunctionLoadError, string?)> ReadDirectoryAsync(string root, string mainFile, CancellationToken cancellationToken)
    {
        var mainPath = Path.Join(root, mainFile);
        if (!File.Exists(mainPath))
        {
            var present = Directory.EnumerateFiles(root, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            return (null, FunctionLoadError.BundleUnreadable, present.Count == 0
                ? $"The bundle {root} has no {mainFile}, and no .dll file at all."
                : $"The bundle {root} has no {mainFile}; its .dll files are: {string.Join(", ", present)}.");
        }

        var main = AssemblyImage.TryRead(mainFile, await File.ReadAllBytesAsync(mainPath, cancellationToken), await ReadSymbolsAsync(mainPath, cancellationToken), out var mainError);
        if (main is null)
        {
            return (null, FunctionLoadError.AssemblyInvalid, mainError);
        }

        var privateAssemblies = new Dictionary<string, AssemblyImage>(StringComparer.OrdinalIgnoreCase);
        var ignored = new List<string>();
        var unreadable = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var native = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, path) in ManagedCandidates(root, mainFile))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var image = AssemblyImage.TryRead(relative, await File.ReadAllBytesAsync(path, cancellationToken), default, out var error);
            if (image is null)
            {
                // A .dll without metadata beside the main assembly is a Windows native library; either way it is no
                // assembly, and a reference to it is reported with this reason.
                unreadable[Path.GetFileNameWithoutExtension(file)] = error!;
                if (Path.GetDirectoryName(path) == root)
                {
                    native.TryAdd(file, path);
                }
            }
            else if (HostAssemblies.VersionOf(image.SimpleName) is not null)
            {
                ignored.Add(relative);
            }
            else
            {
                privateAssemblies[image.SimpleName] = image.WithSymbols(await ReadSymbolsAsync(path, cancellationToken));
            }
        }

        foreach (var rid in NativeLibraryNames.RuntimeIdentifiers)
        {
            var directory = Path.Join(root, "runtimes", rid, "native");
            if (Directory.Exists(directory))
            {
                foreach (var path in Directory.EnumerateFiles(directory))
                {
                    native.TryAdd(Path.GetFileName(path), path);
                }
            }
        }

        foreach (var path in Directory.EnumerateFiles(root).Where(p => NativeLibraryNames.LooksNative(Path.GetFileName(p))))
        {
            native.TryAdd(Path.GetFileName(path), path);
        }

        ignored.Sort(StringComparer.Ordinal);
        return (new BundleContents
        {
            Main = main,
            PrivateAssemblies = privateAssemblies,
            IgnoredFiles = ignored,
            NativeLibraries = native,
            UnreadableAssemblies = unreadable,
        }, FunctionLoadError.None, null);
    }

    /// <summary>Managed assemblies by file name: beside the main assembly, replaced by RID-specific copies for this
    /// machine (less specific RIDs first, so the most specific wins).</summary>
    private static SortedDictionary<string, string> ManagedCandidates(string root, string mainFile)
    {
        var candidates = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(root, "*.dll"))
        {
            candidates[Path.GetFileName(path)] = path;
        }

        foreach (var rid in NativeLibraryNames.RuntimeIdentifiers.Reverse())
        {
            var lib = Path.Join(root, "runtimes", rid, "lib");
            if (Directory.Exists(lib) && BestFramework(lib) is { } framework)
            {
                foreach (var path in Directory.EnumerateFiles(framework, "*.dll"))
                {
                    candidates[Path.GetFileName(path)] = path;
                }
            }
        }

        candidates.Remove(mainFile);
        return candidates;
    }

    /// <summary>The folder of the newest target framework this runtime runs: netX.Y over netcoreappX.Y over
    /// netstandardX.Y, never one newer than the runtime.</summary>
    private static string? BestFramework(string lib)
    {
        var runtime = new Version(Environment.Version.Major, Environment.Version.Minor);
        string? best = null;
        (int Family, Version Version) bestRank = (-1, new Version(0, 0));
        foreach (var directory in Directory.EnumerateDirectories(lib))
        {
            var rank = Rank(Path.GetFileName(directory), runtime);
            if (rank is { } r && (r.Family > bestRank.Family || (r.Family == bestRank.Family && r.Version > bestRank.Version)))
            {
                (best, bestRank) = (directory, r);
            }
        }

        return best;
    }

    private static (int Family, Version Version)? Rank(string tfm, Version runtime)
    {
        if (tfm.StartsWith("netstandard", StringComparison.Ordinal))
        {
            return Version.TryParse(tfm["netstandard".Length..], out var standard) ? (0, standard) : null;
        }

        if (tfm.StartsWith("netcoreapp", StringComparison.Ordinal))
        {
            return Version.TryParse(tfm["netcoreapp".Length..], out var core) && core <= runtime ? (1, core) : null;
        }

        return tfm.StartsWith("net", StringComparison.Ordinal)
            && Version.TryParse(tfm[3..], out var net) && net.Major >= 5 && net <= runtime ? (2, net) : null;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadSymbolsAsync(string assemblyPath, CancellationToken cancellationToken)
    {
        var pdb = Path.ChangeExtension(assemblyPath, ".pdb");
        return File.Exists(pdb) ? await File.ReadAllBytesAsync(pdb, cancellationToken) : ReadOnlyMemory<byte>.Empty;
    }
}
