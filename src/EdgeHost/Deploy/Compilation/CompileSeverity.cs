namespace Edge.Host.Deploy.Compilation;

/// <summary>How serious a <see cref="CompileDiagnostic"/> is. Only these two reach the user.</summary>
internal enum CompileSeverity
{
    /// <summary>Reported, never fatal.</summary>
    Warning,

    /// <summary>The file is not deployed.</summary>
    Error,
}
