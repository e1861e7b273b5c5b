using System.Diagnostics.CodeAnalysis;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// The outcome of a <see cref="SourceCompiler"/> compile: a <see cref="CompiledFunction"/>, or an error with the lines to
/// show the user. Warnings come either way and are never fatal.
/// </summary>
internal sealed class SourceCompileResult
{
    private SourceCompileResult(CompiledFunction? function, SourceCompileError error, IReadOnlyList<CompileDiagnostic> errors, IReadOnlyList<CompileDiagnostic> warnings, TimeSpan elapsed)
    {
        Function = function;
        Error = error;
        Errors = errors;
        Warnings = warnings;
        Elapsed = elapsed;
    }

    /// <summary>Whether a function was produced.</summary>
    [MemberNotNullWhen(true, nameof(Function))]
    public bool Succeeded => Error == SourceCompileError.None;

    /// <summary>The compiled function, when <see cref="Succeeded"/>.</summary>
    public CompiledFunction? Function { get; }

    /// <summary>Why there is no function; <see cref="SourceCompileError.None"/> on success.</summary>
    public SourceCompileError Error { get; }

    /// <summary>The errors, in source order: at least one unless <see cref="Succeeded"/>.</summary>
    public IReadOnlyList<CompileDiagnostic> Errors { get; }

    /// <summary>The compiler's warnings, in source order.</summary>
    public IReadOnlyList<CompileDiagnostic> Warnings { get; }

    /// <summary>How long the compile took (read, parse, generators, emit, handler search).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The errors, then the warnings, one line each, as the compiler's command line prints them.</summary>
    public IEnumerable<string> Lines => Errors.Concat(Warnings).Select(d => d.ToString());

    public static SourceCompileResult Success(CompiledFunction function, IReadOnlyList<CompileDiagnostic> warnings, TimeSpan elapsed) =>
        new(function, SourceCompileError.None, [], warnings, elapsed);

    public static SourceCompileResult Failure(SourceCompileError error, IReadOnlyList<CompileDiagnostic> errors, IReadOnlyList<CompileDiagnostic> warnings, TimeSpan elapsed) =>
        new(null, error, errors, warnings, elapsed);

    public static SourceCompileResult Failure(SourceCompileError error, CompileDiagnostic diagnostic, TimeSpan elapsed) =>
        new(null, error, [diagnostic], [], elapsed);
}
