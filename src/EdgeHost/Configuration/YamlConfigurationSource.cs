using Microsoft.Extensions.Configuration;

namespace Edge.Host.Configuration;

/// <summary>A YAML file as a configuration source, flattened the way the JSON provider flattens JSON.</summary>
internal sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        ResolveFileProvider();
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}
