using System.Runtime.InteropServices;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// How a bundle's native libraries and RID-specific assemblies are found: the runtime identifiers this machine runs
/// (most specific first, as the portable RID graph orders them) and the file names a <c>[DllImport("name")]</c> may mean.
/// </summary>
internal static class NativeLibraryNames
{
    /// <summary>This machine's runtime identifier and its fallbacks, most specific first: linux-x64, linux, unix-x64,
    /// unix, any.</summary>
    public static IReadOnlyList<string> RuntimeIdentifiers { get; } = Chain(RuntimeInformation.RuntimeIdentifier);

    /// <summary>The fallbacks of <paramref name="rid"/> (for example linux-musl-arm64: linux-musl-arm64, linux-musl,
    /// linux-arm64, linux, unix-arm64, unix, any).</summary>
    public static IReadOnlyList<string> Chain(string rid)
    {
        var dash = rid.LastIndexOf('-');
        if (dash <= 0)
        {
            return [rid, "any"];
        }

        var (os, arch) = (rid[..dash], rid[(dash + 1)..]);
        var chain = new List<string> { rid, os };
        if (os == "linux-musl")
        {
            chain.AddRange(["linux-" + arch, "linux"]);
        }

        if (os != "win")
        {
            chain.AddRange(["unix-" + arch, "unix"]);
        }

        chain.Add("any");
        return chain;
    }

    /// <summary>The file names the runtime would try for <c>[DllImport(name)]</c> on this platform, in its order:
    /// with the platform's suffix first, then with a <c>lib</c> prefix, then as written.</summary>
    public static IEnumerable<string> Candidates(string name)
    {
        var file = Path.GetFileName(name);
        var suffix = OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        var hasSuffix = file.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) || file.Contains(".so.", StringComparison.Ordinal);
        if (!hasSuffix)
        {
            yield return file + suffix;
            if (!OperatingSystem.IsWindows() && !file.StartsWith("lib", StringComparison.Ordinal))
            {
                yield return "lib" + file + suffix;
            }
        }

        yield return file;
        if (!OperatingSystem.IsWindows() && !file.StartsWith("lib", StringComparison.Ordinal))
        {
            yield return "lib" + file;
        }
    }

    /// <summary>Whether a file beside the main assembly looks like a native library of this platform (a .dll that is
    /// not managed is found by reading it, not by its name).</summary>
    public static bool LooksNative(string fileName) =>
        fileName.EndsWith(".so", StringComparison.Ordinal)
        || fileName.Contains(".so.", StringComparison.Ordinal)
        || fileName.EndsWith(".dylib", StringComparison.Ordinal);
}
