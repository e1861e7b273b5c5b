namespace Edge.IntegrationTests.Infrastructure;

/// <summary>A layer holding one file of <paramref name="Size"/> seeded-random bytes.</summary>
public sealed record LayerSpec(long Size, int Seed);
