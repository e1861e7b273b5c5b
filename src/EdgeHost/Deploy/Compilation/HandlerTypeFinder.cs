using Microsoft.CodeAnalysis;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// Finds the handler in a compiled file: the one public, non-abstract, non-generic class implementing
/// <c>Edge.Functions.IFetchHandler</c> (it may implement <c>IScheduledHandler</c> and <c>IFunctionLifecycle</c> too),
/// or the one the user named when the file has several. It must have a public constructor taking <c>IEdgeEnv</c> or a
/// public parameterless one, the two the host knows how to call.
/// </summary>
/// <remarks>Works on the compiler's symbols, so nothing of the user's code is loaded or run to find it.</remarks>
internal static class HandlerTypeFinder
{
    private const string FetchHandlerName = "Edge.Functions.IFetchHandler";
    private const string EdgeEnvName = "Edge.Functions.IEdgeEnv";
    private const string Rule = "a handler is a public, non-abstract, non-generic class implementing Edge.Functions.IFetchHandler";

    public static HandlerSearch Find(Microsoft.CodeAnalysis.Compilation compilation, string fileName, string? requested, CancellationToken cancellationToken)
    {
        var fetchHandler = compilation.GetTypeByMetadataName(FetchHandlerName)
            ?? throw new InvalidOperationException($"{FetchHandlerName} is missing from the compiler's references.");
        var edgeEnv = compilation.GetTypeByMetadataName(EdgeEnvName)
            ?? throw new InvalidOperationException($"{EdgeEnvName} is missing from the compiler's references.");

        // In source order, so lists in messages read as the file does.
        var types = AllTypes(compilation.Assembly.GlobalNamespace, cancellationToken)
            .Where(t => !t.IsImplicitlyDeclared)
            .OrderBy(t => t.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree?.FilePath ?? "", StringComparer.Ordinal)
            .ThenBy(t => t.Locations.FirstOrDefault(l => l.IsInSource)?.SourceSpan.Start ?? 0)
            .ToList();
        var implementers = types.Where(t => t.TypeKind == TypeKind.Class && t.AllInterfaces.Contains(fetchHandler, SymbolEqualityComparer.Default)).ToList();

        INamedTypeSymbol handler;
        if (requested is null)
        {
            var candidates = implementers.Where(t => Unusable(t) is null).ToList();
            if (candidates.Count == 0)
            {
                var excluded = implementers.Select(t => $"{Name(t)} is {Unusable(t)}").ToList();
                var why = excluded.Count == 0 ? "" : $" ({string.Join("; ", excluded)})";
                return HandlerSearch.Failed(SourceCompileError.NoHandler, Error(
                    CompileDiagnosticIds.NoHandler,
                    $"No handler: the file declares no public, non-abstract, non-generic class implementing {FetchHandlerName}{why}.",
                    fileName));
            }

            if (candidates.Count > 1)
            {
                return HandlerSearch.Failed(SourceCompileError.SeveralHandlers, Error(
                    CompileDiagnosticIds.SeveralHandlers,
                    $"Several handlers: the file declares {string.Join(", ", candidates.Select(Name))}; name the one to deploy.",
                    fileName));
            }

            handler = candidates[0];
        }
        else
        {
            var matches = types.Where(t => Matches(t, requested)).ToList();
            if (matches.Count != 1)
            {
                var declared = implementers.Count == 0 ? "none" : string.Join(", ", implementers.Select(Name));
                var message = matches.Count == 0
                    ? $"The handler type '{requested}' is not declared in the file; classes implementing {FetchHandlerName} in it: {declared}."
                    : $"The handler type '{requested}' names several types ({string.Join(", ", matches.Select(Name))}); give its full name.";
                return HandlerSearch.Failed(SourceCompileError.HandlerNotFound, Error(CompileDiagnosticIds.HandlerNotFound, message, fileName));
            }

            handler = matches[0];
            var problem = !implementers.Contains(handler, SymbolEqualityComparer.Default)
                ? $"it does not implement {FetchHandlerName}"
                : Unusable(handler) is { } reason ? $"it is {reason}; {Rule}" : null;
            if (problem is not null)
            {
                return HandlerSearch.Failed(SourceCompileError.HandlerNotFound, Error(
                    CompileDiagnosticIds.HandlerNotFound, $"The type {Name(handler)} is not a usable handler: {problem}.", fileName, handler));
            }
        }

        return Construct(handler, edgeEnv, fileName);
    }

    private static HandlerSearch Construct(INamedTypeSymbol handler, INamedTypeSymbol edgeEnv, string fileName)
    {
        var constructors = handler.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        var takesEnv = constructors.Any(c => c.Parameters is [{ RefKind: RefKind.None } p] && SymbolEqualityComparer.Default.Equals(p.Type, edgeEnv));
        if (takesEnv || constructors.Any(c => c.Parameters.Length == 0))
        {
            return HandlerSearch.Found(handler, takesEnv);
        }

        var found = constructors.Count == 0
            ? "it has no public constructor"
            : $"its public constructors are {string.Join(", ", constructors.Select(c => c.ToDisplayString()))}";
        return HandlerSearch.Failed(SourceCompileError.NoUsableConstructor, Error(
            CompileDiagnosticIds.NoUsableConstructor,
            $"The handler {Name(handler)} has no usable constructor: the host creates it through a public constructor taking ({EdgeEnvName} env) or a public parameterless one, and {found}.",
            fileName,
            handler));
    }

    /// <summary>Why a class implementing the interface cannot be the handler, or null when it can.</summary>
    private static string? Unusable(INamedTypeSymbol type)
    {
        if (!IsPublic(type))
        {
            return "not public";
        }

        if (type.IsAbstract)
        {
            return "abstract";
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                return "generic";
            }
        }

        return null;
    }

    /// <summary>Public, and nested only in public types: what the host can see from outside the assembly.</summary>
    private static bool IsPublic(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The C# name (<c>Ns.Outer.Inner</c>), the metadata name (<c>Ns.Outer+Inner</c>) or the simple name.</summary>
    private static bool Matches(INamedTypeSymbol type, string requested) =>
        string.Equals(requested, Name(type), StringComparison.Ordinal)
        || string.Equals(requested, MetadataName(type), StringComparison.Ordinal)
        || string.Equals(requested, type.Name, StringComparison.Ordinal);

    /// <summary>The name the user reads: the C# compiler's own display of the type.</summary>
    private static string Name(INamedTypeSymbol type) => type.ToDisplayString();

    /// <summary>The name <see cref="System.Reflection.Assembly.GetType(string)"/> takes: namespace, then nested types joined with '+'.</summary>
    public static string MetadataName(INamedTypeSymbol type)
    {
        if (type.ContainingType is { } outer)
        {
            return MetadataName(outer) + "+" + type.MetadataName;
        }

        var names = new List<string> { type.MetadataName };
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            names.Add(ns.MetadataName);
        }

        names.Reverse();
        return string.Join(".", names);
    }

    private static CompileDiagnostic Error(string id, string message, string fileName, INamedTypeSymbol? at = null)
    {
        var location = at?.Locations.FirstOrDefault(l => l.IsInSource);
        return (location is null ? null : CompileDiagnostic.At(CompileSeverity.Error, id, message, location))
            ?? new CompileDiagnostic(CompileSeverity.Error, id, message, fileName);
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceSymbol ns, CancellationToken cancellationToken)
    {
        foreach (var member in ns.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var nested = member is INamespaceSymbol child ? AllTypes(child, cancellationToken) : Nested((INamedTypeSymbol)member);
            foreach (var type in nested)
            {
                yield return type;
            }
        }
    }

    private static IEnumerable<INamedTypeSymbol> Nested(INamedTypeSymbol type)
    {
        yield return type;
        foreach (var inner in type.GetTypeMembers())
        {
            foreach (var t in Nested(inner))
            {
                yield return t;
            }
        }
    }
}
