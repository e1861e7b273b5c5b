using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// Loads the targeting packs' source generators (refs/generators) for Roslyn into a load context of their own. What
/// they reference from the compiler (Microsoft.CodeAnalysis, an older version than ours) and the framework falls
/// through to the host's default context, so the generators run on the compiler the host ships.
/// </summary>
/// <remarks>
/// The context is not collectible: generators stay loaded for the life of the process, which is why
/// <see cref="CompilerReferences"/> loads them once per folder.
/// </remarks>
internal sealed class GeneratorAssemblyLoader : IAnalyzerAssemblyLoader
{
    private readonly LoadContext _context;

    public GeneratorAssemblyLoader(string directory) => _context = new LoadContext(directory);

    public void AddDependencyLocation(string fullPath)
    {
        // Dependencies are found by name in the generators' folder (LoadContext.Load).
    }

    public Assembly LoadFromPath(string fullPath) => _context.LoadFromAssemblyPath(fullPath);

    private sealed class LoadContext(string directory) : AssemblyLoadContext("Edge.FunctionCompiler.Generators")
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // The compiler's own assemblies must be the host's, or the generators' types would not be Roslyn's.
            if (assemblyName.Name is null || assemblyName.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            {
                return null;
            }

            var path = Path.Combine(directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
