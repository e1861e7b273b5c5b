namespace Edge.Host.Hosting;

/// <summary>Every configuration problem found at start-up, reported together.</summary>
internal sealed class EdgeConfigurationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
