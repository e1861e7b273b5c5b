using Edge.Functions;

namespace Edge.Host.Hosting;

/// <summary>Secrets from configuration (typically environment variables or a root-only file).</summary>
internal sealed class ConfigurationSecretStore(IReadOnlyDictionary<string, string> secrets) : ISecretStore
{
    public string? Get(string name) => secrets.TryGetValue(name, out var value) ? value : null;
}
