namespace Edge.Host.Deploy;

/// <summary>Code that cannot become a version (compiler errors, no handler): thrown inside the version store's staging so
/// the half-made version is removed, and turned into a 400 by <see cref="DeploymentManager"/>.</summary>
internal sealed class PrepareException(IReadOnlyList<string> problems) : Exception("The code does not build: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
