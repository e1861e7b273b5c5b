using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

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
/// <param name="HelpLink">
/// A help page the compiler prints after the message, in parentheses: it does for diagnostics of generators and
/// analyzers (<c>SYSLIB1015</c>), never for its own <c>CS</c> ones.
/// </param>
internal sealed record CompileDiagnostic(CompileSeverity Severity, string Id, string Message, string? FileName, int? Line = null, int? Column = null, string? HelpLink = null)
{
    /// <summary>The message as the compiler's command line prints it.</summary>
    public override string ToString()
    {
        var prefix = Severity == CompileSeverity.Error ? "error" : "warning";
        var message = HelpLink is null ? Message : $"{Message} ({HelpLink})";
        return (FileName, Line) switch
        {
            (null, _) => string.Create(CultureInfo.InvariantCulture, $"{prefix} {Id}: {message}"),
            (_, null) => string.Create(CultureInfo.InvariantCulture, $"{FileName}: {prefix} {Id}: {message}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{FileName}({Line},{Column}): {prefix} {Id}: {message}"),
        };
    }

    /// <summary>A Roslyn diagnostic of warning or error severity, placed as the compiler's formatter places it (mapped spans, so <c>#line</c> is honoured).</summary>
    public static CompileDiagnostic From(Diagnostic diagnostic)
    {
        var severity = diagnostic.Severity == DiagnosticSeverity.Error ? CompileSeverity.Error : CompileSeverity.Warning;
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        var placed = At(severity, diagnostic.Id, message, diagnostic.Location) ?? new CompileDiagnostic(severity, diagnostic.Id, message, null);
        return placed with { HelpLink = PrintedHelpLink(diagnostic) };
    }

    /// <summary>
    /// The help link when the compiler's formatter prints one. Its rule (a link other than the compiler's default for
    /// the id) is internal to Roslyn, so it is asked through the formatter itself rather than restated here.
    /// </summary>
    private static string? PrintedHelpLink(Diagnostic diagnostic)
    {
        var link = diagnostic.Descriptor.HelpLinkUri;
        return !string.IsNullOrEmpty(link)
            && CSharpDiagnosticFormatter.Instance.Format(diagnostic, CultureInfo.InvariantCulture).EndsWith($" ({link})", StringComparison.Ordinal)
            ? link
            : null;
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
