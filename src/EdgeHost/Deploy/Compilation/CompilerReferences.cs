using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// What a function compiles against, read once from the refs/ folder the build fills (EdgeHost.csproj): the targeting
/// packs' reference assemblies, the SDK's (Edge.Functions.dll) and, in refs/generators, the source generators a
/// function may use (System.Text.Json, [GeneratedRegex], [LoggerMessage]).
/// </summary>
/// <remarks>
/// The same <see cref="MetadataReference"/> objects serve every compile, so Roslyn decodes each assembly's metadata
/// once per process rather than once per compile: that is most of what makes a second compile fast.
/// </remarks>
internal sealed class CompilerReferences
{
    /// <summary>The generators' subfolder of the reference folder.</summary>
    public const string GeneratorFolder = "generators";

    // Generators are loaded into a context that cannot be unloaded: once per folder and process.
    private static readonly ConcurrentDictionary<string, Lazy<ImmutableArray<ISourceGenerator>>> GeneratorsByFolder = new(StringComparer.Ordinal);

    // Enough to tell a complete folder from an empty or half-copied one without listing all 300 files.
    private static readonly string[] RequiredFiles =
    [
        "System.Runtime.dll",
        "Microsoft.AspNetCore.Http.Abstractions.dll",
        "Microsoft.AspNetCore.Http.Results.dll",
        "Edge.Functions.dll",
        Path.Combine(GeneratorFolder, "System.Text.Json.SourceGeneration.dll"),
        Path.Combine(GeneratorFolder, "System.Text.RegularExpressions.Generator.dll"),
        Path.Combine(GeneratorFolder, "Microsoft.Extensions.Logging.Generators.dll"),
    ];

    private CompilerReferences(ImmutableArray<MetadataReference> assemblies, ImmutableArray<ISourceGenerator> generators)
    {
        Assemblies = assemblies;
        Generators = generators;
    }

    /// <summary>Every reference assembly in the folder.</summary>
    public ImmutableArray<MetadataReference> Assemblies { get; }

    /// <summary>The C# source generators of refs/generators.</summary>
    public ImmutableArray<ISourceGenerator> Generators { get; }

    /// <summary>The required files <paramref name="directory"/> lacks (relative names); empty when it is complete.</summary>
    public static IReadOnlyList<string> MissingFiles(string directory) =>
        [.. RequiredFiles.Where(f => !File.Exists(Path.Combine(directory, f)))];

    /// <summary>Reads the folder. Throws when it is incomplete: the host was installed without its refs/.</summary>
    public static CompilerReferences Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        var missing = MissingFiles(full);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The function compiler's reference folder {full} lacks {string.Join(", ", missing)}; the host's build and publish copy them there (EdgeHost.csproj).");
        }

        var assemblies = Directory.EnumerateFiles(full, "*.dll")
            .Order(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
        var generators = GeneratorsByFolder.GetOrAdd(
            Path.Combine(full, GeneratorFolder),
            folder => new Lazy<ImmutableArray<ISourceGenerator>>(() => LoadGenerators(folder))).Value;
        return new CompilerReferences(assemblies, generators);
    }

    private static ImmutableArray<ISourceGenerator> LoadGenerators(string folder)
    {
        var loader = new GeneratorAssemblyLoader(folder);
        var failures = new List<string>();
        var generators = ImmutableArray.CreateBuilder<ISourceGenerator>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.dll").Order(StringComparer.Ordinal))
        {
            var reference = new AnalyzerFileReference(path, loader);
            void OnFailed(object? sender, AnalyzerLoadFailureEventArgs e) =>
                failures.Add($"{Path.GetFileName(path)}: {e.Message}");
            reference.AnalyzerLoadFailed += OnFailed;
            generators.AddRange(reference.GetGenerators(LanguageNames.CSharp));
            reference.AnalyzerLoadFailed -= OnFailed;
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"The function compiler could not load its source generators from {folder}: {string.Join("; ", failures)}");
        }

        return generators.ToImmutable();
    }
}
