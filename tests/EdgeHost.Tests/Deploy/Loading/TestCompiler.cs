using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>
/// Compiles the real function assemblies the loader tests load: C# sources against the assemblies of this process (the
/// shared frameworks, the host's Edge.Functions, this test assembly), with a portable PDB.
/// </summary>
internal static class TestCompiler
{
    private static readonly Lazy<ImmutableArray<(string Name, MetadataReference Reference)>> ProcessReferences = new(ReadProcessReferences);

    /// <summary>A compiled assembly: its image and its PDB.</summary>
    public sealed record Compiled(string Name, byte[] Image, byte[] Symbols)
    {
        public MetadataReference Reference => MetadataReference.CreateFromImage(Image);
    }

    /// <summary>Compiles <paramref name="source"/> into the assembly <paramref name="name"/>.</summary>
    /// <param name="references">Other compiled assemblies it uses.</param>
    /// <param name="instead">Assemblies of this process it must not see, because <paramref name="references"/> has
    /// another assembly of the same name (a fake SDK).</param>
    /// <param name="referenceAssembly">Emit a reference assembly (metadata only) instead.</param>
    public static Compiled Compile(string name, string source, IEnumerable<Compiled>? references = null, IEnumerable<string>? instead = null, bool referenceAssembly = false)
    {
        var hidden = new HashSet<string>(instead ?? [], StringComparer.OrdinalIgnoreCase);
        var all = ProcessReferences.Value.Where(r => !hidden.Contains(r.Name)).Select(r => r.Reference)
            .Concat((references ?? []).Select(r => r.Reference));
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: name + ".cs", encoding: System.Text.Encoding.UTF8)],
            all,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Debug, allowUnsafe: true));
        using var image = new MemoryStream();
        using var symbols = new MemoryStream();
        var options = new EmitOptions(metadataOnly: referenceAssembly, debugInformationFormat: DebugInformationFormat.PortablePdb, includePrivateMembers: !referenceAssembly);
        var result = referenceAssembly ? compilation.Emit(image, options: options) : compilation.Emit(image, symbols, options: options);
        if (!result.Success)
        {
            throw new InvalidOperationException($"The test function {name} does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return new Compiled(name, image.ToArray(), symbols.ToArray());
    }

    private static ImmutableArray<(string, MetadataReference)> ReadProcessReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            paths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location.Length > 0))
        {
            paths.TryAdd(assembly.GetName().Name!, assembly.Location);
        }

        return [.. paths.Select(p => (p.Key, (MetadataReference)MetadataReference.CreateFromFile(p.Value)))];
    }
}
