using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// One compiler message, rendered by <see cref="ToString"/> exactly as the C# compiler's command line prints it:
/// <c>hello.cs(3,15): error CS0103: The name 'x' does not exist in the current context</c>.
/// </summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Id">The compiler's id (<c>CS0103</c>, <c>SYSLIB1031</c>) or ours (<c>EDGE0001</c>, see <see cref="CompileDiagnosticIds"/>).</param>
/// <param name="Message">The message, in English.</param>
/// <param name="FileName">The file as the user named it (or a generator's file), or null when the message is about no file.</param>
/// <param name="Line">1-based line, or null when the message is about the whole file.</param>
/// <param name="Column">1-based column in UTF-16 characters, as the compiler counts, or null with <paramref name="Line"/>.</param>
internal sealed record CompileDiagnostic(CompileSeverity Severity, string Id, string Message, string? FileName, int? Line = null, int? Column = null)
{
    /// <summary>The message as the compiler's command line prints it.</summary>
    public override string ToString()
    {
        var prefix = Severity == CompileSeverity.Error ? "error" : "warning";
        return (FileName, Line) switch
        {
            (null, _) => string.Create(CultureInfo.InvariantCulture, $"{prefix} {Id}: {Message}"),
            (_, null) => string.Create(CultureInfo.InvariantCulture, $"{FileName}: {prefix} {Id}: {Message}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{FileName}({Line},{Column}): {prefix} {Id}: {Message}"),
        };
    }

    /// <summary>A Roslyn diagnostic of warning or error severity, placed as the compiler's formatter places it (mapped spans, so <c>#line</c> is honoured).</summary>
    public static CompileDiagnostic From(Diagnostic diagnostic)
    {
        var severity = diagnostic.Severity == DiagnosticSeverity.Error ? CompileSeverity.Error : CompileSeverity.Warning;
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        return At(severity, diagnostic.Id, message, diagnostic.Location) ?? new CompileDiagnostic(severity, diagnostic.Id, message, null);
    }

    /// <summary>A diagnostic placed at <paramref name="location"/>, or null when it is not in a file.</summary>
    public static CompileDiagnostic? At(CompileSeverity severity, string id, string message, Location location)
    {
        if (location.Kind is not (LocationKind.SourceFile or LocationKind.ExternalFile))
        {
            return null;
        }

        var span = location.GetMappedLineSpan();
        if (!span.IsValid)
        {
            return null;
        }

        var start = span.StartLinePosition;
        return new CompileDiagnostic(severity, id, message, span.Path, start.Line + 1, start.Character + 1);
    }
}
