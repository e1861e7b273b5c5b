using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Resilience;

/// <summary>The channel of every configured upstream, by name.</summary>
internal sealed class UpstreamChannels
{
    private readonly Dictionary<string, UpstreamChannel> _byName;

    public UpstreamChannels(IEnumerable<UpstreamChannel> channels)
    {
        _byName = channels.ToDictionary(c => c.Upstream.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IEnumerable<UpstreamChannel> All => _byName.Values;

    /// <summary>The channel of <paramref name="upstream"/>, which is always a configured one.</summary>
    public UpstreamChannel For(Upstream upstream) => _byName[upstream.Name];
}
