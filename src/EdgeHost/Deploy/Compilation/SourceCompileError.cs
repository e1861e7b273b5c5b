namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// Why a compile produced no function: the user's file, never the host, is at fault in every case, so a deploy endpoint
/// answers with a 4xx status (413 for <see cref="SourceTooLarge"/>, 400 or 422 for the rest) and the diagnostics.
/// </summary>
internal enum SourceCompileError
{
    /// <summary>Compiled, and the handler type was found.</summary>
    None,

    /// <summary>The file name is not a plain <c>NAME.cs</c> (no folder, no control characters, at most 255 characters).</summary>
    InvalidFileName,

    /// <summary>The file is larger than <see cref="SourceCompilerOptions.MaxSourceBytes"/>; it was not read past the limit.</summary>
    SourceTooLarge,

    /// <summary>The file is not valid UTF-8; the error names the first bad byte's position.</summary>
    InvalidEncoding,

    /// <summary>The C# compiler (or a source generator) reported errors.</summary>
    CompilationFailed,

    /// <summary>No public non-abstract class implements <c>Edge.Functions.IFetchHandler</c>.</summary>
    NoHandler,

    /// <summary>Several classes qualify and no handler type was named.</summary>
    SeveralHandlers,

    /// <summary>The named handler type is not declared in the file, is ambiguous, or is not a usable handler.</summary>
    HandlerNotFound,

    /// <summary>The handler has neither a public constructor taking <c>IEdgeEnv</c> nor a public parameterless one.</summary>
    NoUsableConstructor,
}
