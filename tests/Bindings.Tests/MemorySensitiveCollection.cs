namespace Edge.Bindings.Tests;

/// <summary>Tests that measure process-wide memory; they must not run beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemorySensitiveCollection
{
    public const string Name = "Memory-sensitive";
}
