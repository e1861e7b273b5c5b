using System.Reflection;
using System.Runtime.Loader;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// The collectible load context of one function version (<c>edge:function@version</c>): its main assembly and private
/// dependencies loaded from memory, its native libraries from private copies, everything the host has bound to the
/// host's copy.
/// </summary>
/// <remarks>
/// Binding, in order, for every assembly the function's code asks for:
/// 1. an assembly the host has (the SDK, the shared frameworks, the host's own dependencies): the default context's
///    copy, whatever the bundle ships, so the function's <c>IFetchHandler</c> is the host's;
/// 2. a private assembly of the bundle: loaded into this context from its bytes (and PDB), once;
/// 3. otherwise nothing: the runtime then fails the load, which <see cref="ReferenceCheck"/> reported before loading.
/// Native libraries (<c>[DllImport]</c>) come from the copies made for this version, otherwise from the runtime's
/// default probing. The runtime never unloads a native library, so a copy stays mapped until the process exits.
/// </remarks>
internal sealed class FunctionLoadContext : AssemblyLoadContext
{
    private readonly Dictionary<string, AssemblyImage> _pending;
    private readonly IReadOnlyDictionary<string, string> _nativeLibraries;
    private readonly Lock _gate = new();

    /// <param name="version">The version, which names the context.</param>
    /// <param name="privateAssemblies">The bundle's private assemblies by simple name.</param>
    /// <param name="nativeLibraries">Native libraries by file name, and the paths of their private copies.</param>
    public FunctionLoadContext(FunctionVersion version, IReadOnlyDictionary<string, AssemblyImage> privateAssemblies, IReadOnlyDictionary<string, string> nativeLibraries)
        : base("edge:" + version, isCollectible: true)
    {
        _pending = new Dictionary<string, AssemblyImage>(privateAssemblies, StringComparer.OrdinalIgnoreCase);
        _nativeLibraries = nativeLibraries;
    }

    /// <summary>Loads <paramref name="image"/> into this context from memory.</summary>
    /// <exception cref="BadImageFormatException">The runtime refuses the image.</exception>
    /// <exception cref="FileLoadException">The context already has an assembly of that name.</exception>
    public Assembly LoadImage(AssemblyImage image)
    {
        lock (_gate)
        {
            if (Loaded(image.SimpleName) is { } loaded)
            {
                return loaded;
            }

            using var assembly = AssemblyImage.AsStream(image.Image);
            using var symbols = image.Symbols.IsEmpty ? null : AssemblyImage.AsStream(image.Symbols);
            loaded = LoadFromStream(assembly, symbols);

            // The runtime keeps its own copy of the image: ours is no longer needed.
            _pending.Remove(image.SimpleName);
            return loaded;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (name is null)
        {
            return null;
        }

        if (HostAssemblies.VersionOf(name) is not null)
        {
            // By simple name: the version was checked before loading (a newer major refused, a newer minor warned), and
            // the host's copy is the one to use whatever version the function was built against.
            return Default.LoadFromAssemblyName(new AssemblyName(name));
        }

        lock (_gate)
        {
            return Loaded(name) ?? (_pending.TryGetValue(name, out var image) ? LoadImage(image) : null);
        }
    }

    /// <summary>The assembly of that name this context has loaded, from the runtime's own list.</summary>
    /// <remarks>Never kept in a field: while a collectible context unloads, the runtime holds it strongly until its
    /// assemblies are unreachable, so a field of the context referencing one of them would keep both alive for good.</remarks>
    private Assembly? Loaded(string name)
    {
        foreach (var assembly in Assemblies)
        {
            if (string.Equals(assembly.GetName().Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return assembly;
            }
        }

        return null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in NativeLibraryNames.Candidates(unmanagedDllName))
        {
            if (_nativeLibraries.TryGetValue(candidate, out var path))
            {
                return LoadUnmanagedDllFromPath(path);
            }
        }

        // The runtime's default probing (the application's directory, then the system's).
        return IntPtr.Zero;
    }
}
