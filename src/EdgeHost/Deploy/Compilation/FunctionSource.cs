using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// The language a function file is written in: C# latest with nullable reference types, the preprocessor symbols of a
/// Release build for net10.0, and the implicit global usings of an SDK web project narrowed to what a function uses,
/// plus the SDK's namespace, so a one-file function needs no using directive at all.
/// </summary>
internal static class FunctionSource
{
    /// <summary>The namespaces every function file sees, as <c>global using</c> directives (docs/functions.md lists them).</summary>
    public static IReadOnlyList<string> GlobalUsings { get; } =
    [
        "System",
        "System.Collections.Generic",
        "System.IO",
        "System.Linq",
        "System.Net.Http",
        "System.Threading",
        "System.Threading.Tasks",
        "Microsoft.AspNetCore.Http",
        "Microsoft.Extensions.Logging",
        "Edge.Functions",
    ];

    /// <summary>
    /// Whether the source generators could have anything to do. Each acts only on classes or methods carrying its
    /// attribute ([JsonSerializable], [GeneratedRegex], [LoggerMessage]), and the file can only apply one by naming it
    /// (an alias names it too), so a file without these names skips them. That spares a host whose functions do not use
    /// them the generators' first-use JIT: 2.4 s of a 4.6 s first compile measured with quick JIT, 7.4 s of 16 s without
    /// it, as <c>edge</c> runs (docs/functions.md).
    /// </summary>
    public static bool MayUseGenerators(string text) =>
        text.Contains("JsonSerializable", StringComparison.Ordinal)
        || text.Contains("GeneratedRegex", StringComparison.Ordinal)
        || text.Contains("LoggerMessage", StringComparison.Ordinal);

    /// <summary>
    /// C# latest (the newest released version this compiler knows), documentation comments read as plain comments (no
    /// XML file is produced), and the symbols the SDK defines for a Release build of net10.0 so <c>#if NET8_0_OR_GREATER</c>
    /// works as in a project.
    /// </summary>
    public static CSharpParseOptions ParseOptions { get; } = new(
        LanguageVersion.Latest,
        DocumentationMode.None,
        SourceCodeKind.Regular,
        [
            "TRACE", "RELEASE", "NET", "NET10_0", "NETCOREAPP",
            "NET5_0_OR_GREATER", "NET6_0_OR_GREATER", "NET7_0_OR_GREATER", "NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER",
            "NETCOREAPP1_0_OR_GREATER", "NETCOREAPP1_1_OR_GREATER", "NETCOREAPP2_0_OR_GREATER", "NETCOREAPP2_1_OR_GREATER",
            "NETCOREAPP2_2_OR_GREATER", "NETCOREAPP3_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER",
        ]);

    /// <summary>
    /// The global usings as a syntax tree, parsed once and shared by every compile. Its path holds a '/', which no user
    /// file name can, so it never collides with the user's file.
    /// </summary>
    public static SyntaxTree GlobalUsingsTree { get; } = CSharpSyntaxTree.ParseText(
        SourceText.From(string.Concat(GlobalUsings.Select(ns => $"global using global::{ns};\n")), System.Text.Encoding.UTF8),
        ParseOptions,
        path: "Edge.Functions/GlobalUsings.g.cs");

    /// <summary>
    /// A library, optimized, deterministic, nullable enabled, warning level 10 (what the SDK sets for net10.0), with
    /// the SDK's default suppressions (CS1701, CS1702: assembly version unification notes). Unsafe code is off, as in a
    /// project by default. Methods compile on one thread: a compile runs on a host that is serving traffic on few cores.
    /// </summary>
    public static CSharpCompilationOptions CompilationOptions { get; } = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            deterministic: true,
            concurrentBuild: false,
            warningLevel: 10)
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
        {
            ["CS1701"] = ReportDiagnostic.Suppress,
            ["CS1702"] = ReportDiagnostic.Suppress,
        });
}
