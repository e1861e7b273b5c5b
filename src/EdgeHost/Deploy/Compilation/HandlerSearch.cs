using Microsoft.CodeAnalysis;

namespace Edge.Host.Deploy.Compilation;

/// <summary>What <see cref="HandlerTypeFinder"/> found: the handler, or why there is none.</summary>
internal readonly record struct HandlerSearch(INamedTypeSymbol? Handler, bool TakesEnvironment, SourceCompileError Error, CompileDiagnostic? Diagnostic)
{
    public static HandlerSearch Found(INamedTypeSymbol handler, bool takesEnvironment) => new(handler, takesEnvironment, SourceCompileError.None, null);

    public static HandlerSearch Failed(SourceCompileError error, CompileDiagnostic diagnostic) => new(null, false, error, diagnostic);
}
