using System.Diagnostics.CodeAnalysis;

namespace Edge.Host.Deploy.Loading;

/// <summary>The outcome of loading a function version: the loaded version, or why not, as data.</summary>
internal sealed class FunctionLoadResult
{
    private FunctionLoadResult(FunctionVersion version, LoadedFunctionVersion? function, FunctionLoadError error, IReadOnlyList<string> errors, IReadOnlyList<string> warnings, IReadOnlyList<string> ignoredFiles)
    {
        Version = version;
        Function = function;
        Error = error;
        Errors = errors;
        Warnings = warnings;
        IgnoredFiles = ignoredFiles;
    }

    /// <summary>Which version.</summary>
    public FunctionVersion Version { get; }

    /// <summary>The loaded version, or null when <see cref="Error"/> says why not.</summary>
    public LoadedFunctionVersion? Function { get; }

    /// <summary>Whether it loaded.</summary>
    [MemberNotNullWhen(true, nameof(Function))]
    public bool Succeeded => Function is not null;

    /// <summary><see cref="FunctionLoadError.None"/> when loaded.</summary>
    public FunctionLoadError Error { get; }

    /// <summary>Every problem found, each a complete sentence for the person deploying (never a stack trace).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>What loads but may fail later (built against a newer minor version of a host assembly).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Files of the bundle not loaded because the host has the assembly: the function uses the host's copy.</summary>
    public IReadOnlyList<string> IgnoredFiles { get; }

    public static FunctionLoadResult Loaded(LoadedFunctionVersion function) =>
        new(function.Version, function, FunctionLoadError.None, [], function.Warnings, function.IgnoredFiles);

    public static FunctionLoadResult Failed(FunctionVersion version, FunctionLoadError error, IReadOnlyList<string> errors, IReadOnlyList<string> warnings, IReadOnlyList<string> ignoredFiles) =>
        new(version, null, error, errors, warnings, ignoredFiles);
}
