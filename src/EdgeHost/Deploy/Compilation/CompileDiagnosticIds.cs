namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// Ids of the errors the host reports itself, beside the compiler's own <c>CS</c> ids, in the same command-line format
/// so editors and CI logs that read compiler output read these too. Listed in docs/functions.md; never renumbered.
/// </summary>
internal static class CompileDiagnosticIds
{
    /// <summary>No public non-abstract class implements <c>IFetchHandler</c>.</summary>
    public const string NoHandler = "EDGE0001";

    /// <summary>Several classes qualify and none was named.</summary>
    public const string SeveralHandlers = "EDGE0002";

    /// <summary>The named handler type is not declared, is ambiguous or is not a usable handler.</summary>
    public const string HandlerNotFound = "EDGE0003";

    /// <summary>The handler has neither a public <c>(IEdgeEnv)</c> constructor nor a public parameterless one.</summary>
    public const string NoUsableConstructor = "EDGE0004";

    /// <summary>The file is over the size limit.</summary>
    public const string SourceTooLarge = "EDGE0010";

    /// <summary>The file is not UTF-8.</summary>
    public const string InvalidEncoding = "EDGE0011";

    /// <summary>The file name is not a plain <c>NAME.cs</c>.</summary>
    public const string InvalidFileName = "EDGE0012";
}
