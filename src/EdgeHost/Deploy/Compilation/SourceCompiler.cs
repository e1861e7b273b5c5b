using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// Compiles one C# file, as <c>edge deploy FILE.cs</c> sends it, into an in-memory assembly against the SDK and the
/// shared framework (Microsoft.NETCore.App and Microsoft.AspNetCore.App), and finds its handler type. Errors come back
/// as the compiler's command line prints them (<c>hello.cs(3,15): error CS0103: …</c>); nothing is written to disk and
/// nothing of the user's code runs here.
/// </summary>
/// <remarks>
/// <para>
/// A compile, in order, stopping where the C# compiler's command line stops:
/// 1. the file name, size and UTF-8 encoding are checked (<see cref="SourceDecoder"/>);
/// 2. the text is parsed with the language of <see cref="FunctionSource"/>; syntax errors end the compile;
/// 3. the source generators run (JSON serializer contexts, [GeneratedRegex], [LoggerMessage]) against refs/
///    (<see cref="CompilerReferences"/>), then the declarations are checked; errors there end the compile;
/// 4. method bodies are compiled and the assembly and its portable PDB (source embedded) emitted, under a name unique
///    to this compile;
/// 5. the handler type is found (<see cref="HandlerTypeFinder"/>).
/// </para>
/// <para>
/// Safe to call concurrently. The first compile in a process costs seconds (measured 3 s with quick JIT, 10 to 16 s
/// without it as <c>edge</c> runs, on a loaded 2-core machine; the compiler ships as IL only, so the JIT compiles all of
/// it), later ones tens of milliseconds; <see cref="WarmUpAsync"/> pays the first cost in the background at start.
/// </para>
/// </remarks>
internal sealed partial class SourceCompiler
{
    private readonly SourceCompilerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SourceCompiler> _logger;
    private readonly Lazy<CompilerReferences> _references;

    public SourceCompiler(SourceCompilerOptions options, TimeProvider time, ILogger<SourceCompiler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSourceBytes);
        _options = options;
        _time = time;
        _logger = logger;
        var directory = options.ResolvedReferenceDirectory;
        _references = new Lazy<CompilerReferences>(() => CompilerReferences.Load(directory), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Compiles a file already in memory. See <see cref="CompileAsync"/>.</summary>
    public SourceCompileResult Compile(string fileName, ReadOnlySpan<byte> source, string? handlerType = null, CancellationToken cancellationToken = default) =>
        CompileCore(fileName, source, handlerType, _time.GetTimestamp(), log: true, cancellationToken);

    private SourceCompileResult CompileCore(string fileName, ReadOnlySpan<byte> source, string? handlerType, long started, bool log, CancellationToken cancellationToken)
    {
        // 1. Name, size, encoding.
        if (SourceDecoder.CheckFileName(fileName) is { } badName)
        {
            return Rejected(fileName, SourceCompileError.InvalidFileName, badName, started, log);
        }

        if (source.Length > _options.MaxSourceBytes)
        {
            return Rejected(fileName, SourceCompileError.SourceTooLarge, SourceDecoder.TooLarge(fileName, source.Length, _options.MaxSourceBytes), started, log);
        }

        var text = SourceDecoder.Decode(fileName, source, out var badEncoding);
        if (text is null)
        {
            return Rejected(fileName, SourceCompileError.InvalidEncoding, badEncoding!, started, log);
        }

        // 2. Parse. Like the compiler's command line, stop at syntax errors: what would follow from them is noise.
        cancellationToken.ThrowIfCancellationRequested();
        var references = _references.Value;
        var sourceText = SourceText.From(text, Encoding.UTF8, SourceHashAlgorithm.Sha256);
        var tree = CSharpSyntaxTree.ParseText(sourceText, FunctionSource.ParseOptions, fileName, cancellationToken);
        var assemblyName = AssemblyName(fileName);
        Microsoft.CodeAnalysis.Compilation compilation = CSharpCompilation.Create(assemblyName, [FunctionSource.GlobalUsingsTree, tree], references.Assemblies, FunctionSource.CompilationOptions);
        var diagnostics = new List<Diagnostic>(compilation.GetParseDiagnostics(cancellationToken));
        if (!HasErrors(diagnostics))
        {
            // 3. Source generators, then the declarations; as on the command line, declaration errors end the compile
            // before method bodies are bound.
            if (FunctionSource.MayUseGenerators(text))
            {
                var driver = CSharpGeneratorDriver.Create(references.Generators, parseOptions: FunctionSource.ParseOptions);
                driver.RunGeneratorsAndUpdateCompilation(compilation, out compilation, out var generatorDiagnostics, cancellationToken);
                diagnostics.AddRange(generatorDiagnostics);
            }

            diagnostics.AddRange(compilation.GetDeclarationDiagnostics(cancellationToken));
        }

        // 4. Emit: method bodies are bound, checked and compiled; its diagnostics repeat the earlier ones (kept once).
        using var image = new MemoryStream();
        using var pdb = new MemoryStream();
        if (!HasErrors(diagnostics))
        {
            var emitted = compilation.Emit(
                image,
                pdb,
                options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb, pdbFilePath: assemblyName + ".pdb"),
                embeddedTexts: [EmbeddedText.FromSource(fileName, sourceText)],
                cancellationToken: cancellationToken);
            diagnostics.AddRange(emitted.Diagnostics);
        }

        var reported = Report(diagnostics);
        var errors = reported.Where(d => d.Severity == CompileSeverity.Error).ToList();
        var warnings = reported.Where(d => d.Severity == CompileSeverity.Warning).ToList();
        if (errors.Count > 0)
        {
            var result = SourceCompileResult.Failure(SourceCompileError.CompilationFailed, errors, warnings, _time.GetElapsedTime(started));
            if (log)
            {
                LogRejected(fileName, result.Error, result.Elapsed.TotalMilliseconds, errors.Count, errors[0].ToString());
            }

            return result;
        }

        // 5. The handler.
        var search = HandlerTypeFinder.Find(compilation, fileName, handlerType, cancellationToken);
        if (search.Handler is null)
        {
            var result = SourceCompileResult.Failure(search.Error, [search.Diagnostic!], warnings, _time.GetElapsedTime(started));
            if (log)
            {
                LogRejected(fileName, result.Error, result.Elapsed.TotalMilliseconds, 1, search.Diagnostic!.ToString());
            }

            return result;
        }

        var function = new CompiledFunction(
            fileName,
            assemblyName,
            HandlerTypeFinder.MetadataName(search.Handler),
            search.TakesEnvironment,
            image.ToArray(),
            pdb.ToArray());
        var compiled = SourceCompileResult.Success(function, warnings, _time.GetElapsedTime(started));
        if (log)
        {
            LogCompiled(fileName, assemblyName, function.HandlerTypeName, compiled.Elapsed.TotalMilliseconds, warnings.Count);
        }

        return compiled;
    }

    private static bool HasErrors(List<Diagnostic> diagnostics) =>
        diagnostics.Exists(d => d.Severity == DiagnosticSeverity.Error && !d.IsSuppressed);

    /// <summary>Warnings and errors once each, in source order (those about no file first), as the user will read them.</summary>
    private static List<CompileDiagnostic> Report(List<Diagnostic> diagnostics) =>
        [.. diagnostics
            .Where(d => d.Severity is DiagnosticSeverity.Warning or DiagnosticSeverity.Error && !d.IsSuppressed)
            .Select(CompileDiagnostic.From)
            .Distinct()
            .OrderBy(d => d.FileName ?? "", StringComparer.Ordinal)
            .ThenBy(d => d.Line ?? 0)
            .ThenBy(d => d.Column ?? 0)];

    private SourceCompileResult Rejected(string fileName, SourceCompileError error, CompileDiagnostic diagnostic, long started, bool log = true)
    {
        var result = SourceCompileResult.Failure(error, diagnostic, _time.GetElapsedTime(started));
        if (log)
        {
            // The name is logged only once it is known to be a plain file name.
            LogRejected(error == SourceCompileError.InvalidFileName ? "(invalid name)" : fileName, error, result.Elapsed.TotalMilliseconds, 1, diagnostic.ToString());
        }

        return result;
    }

    /// <summary>
    /// <c>Edge.Function.STEM.GUID</c>: unique per compile, so the loader can hold several versions of one function side
    /// by side and a stack trace still says which file it came from.
    /// </summary>
    private static string AssemblyName(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var safe = new string([.. stem.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_')]);
        return $"Edge.Function.{safe}.{Guid.NewGuid():N}";
    }
}
