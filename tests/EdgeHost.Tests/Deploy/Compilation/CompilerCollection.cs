namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>
/// The compile tests share one compiler (its reference assemblies are read once) and run one after another: each
/// compile is CPU-bound, so running them in parallel would only make each slower.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CompilerCollection : ICollectionFixture<CompilerFixture>
{
    public const string Name = "Compilation";
}
