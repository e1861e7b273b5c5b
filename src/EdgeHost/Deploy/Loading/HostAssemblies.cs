using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// The assemblies of the default load context: the shared frameworks (Microsoft.NETCore.App, Microsoft.AspNetCore.App),
/// the SDK (Edge.Functions) and the host's own dependencies. A function always binds to these copies, never to one it
/// ships, because a second copy of an assembly is a second set of types: the host's <c>IFetchHandler</c> and the
/// function's would differ and every cast between them would fail.
/// </summary>
internal static class HostAssemblies
{
    /// <summary>The SDK's assembly name.</summary>
    public const string SdkName = "Edge.Functions";

    // Names a single-file or trimmed host may hold outside the trusted platform list; the default context is asked for
    // them by name.
    private static readonly string[] SharedPrefixes = ["System.", "Microsoft.AspNetCore.", "Microsoft.Extensions."];

    private static readonly ConcurrentDictionary<string, Version?> Versions = new(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<Dictionary<string, string>> TrustedPlatformAssemblies = new(ReadTrustedPlatformAssemblies);

    /// <summary>The host's version of the SDK.</summary>
    public static Version SdkVersion { get; } = typeof(Functions.IFetchHandler).Assembly.GetName().Version!;

    /// <summary>The version of <paramref name="simpleName"/> the host has, or null when the host has no such assembly.</summary>
    public static Version? VersionOf(string simpleName) => Versions.GetOrAdd(simpleName, Find);

    private static Version? Find(string name)
    {
        // 1. Loaded already (the host, the frameworks it uses, in tests the test assemblies).
        foreach (var assembly in AssemblyLoadContext.Default.Assemblies)
        {
            var loaded = assembly.GetName();
            if (string.Equals(loaded.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return loaded.Version ?? new Version(0, 0);
            }
        }

        // 2. On the trusted platform list: what the default context loads on demand (frameworks and the host's deps.json).
        if (TrustedPlatformAssemblies.Value.TryGetValue(name, out var path))
        {
            try
            {
                return AssemblyName.GetAssemblyName(path).Version ?? new Version(0, 0);
            }
            catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        // 3. The SDK and the framework namespaces, wherever the default context finds them.
        if (!string.Equals(name, SdkName, StringComparison.OrdinalIgnoreCase)
            && !SharedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        try
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(name)).GetName().Version ?? new Version(0, 0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> ReadTrustedPlatformAssemblies()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            map.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        return map;
    }
}
