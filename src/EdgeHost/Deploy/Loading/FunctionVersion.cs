namespace Edge.Host.Deploy.Loading;

/// <summary>
/// One deployed version of a function: the unit the host loads into its own load context, and the name its log lines
/// and unload reports carry.
/// </summary>
/// <param name="Function">The function's name.</param>
/// <param name="Version">The version's id, unique per function.</param>
internal readonly record struct FunctionVersion(string Function, string Version)
{
    /// <summary><c>function@version</c>, as load contexts are named.</summary>
    public override string ToString() => $"{Function}@{Version}";
}
