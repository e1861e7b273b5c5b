using System.Collections.Concurrent;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// The last challenge each upstream sent. The token endpoint relays to the realm an upstream itself named,
/// never to a URL a client supplies, so it cannot be used to reach arbitrary hosts.
/// </summary>
internal sealed class RealmCache
{
    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);

    public void Remember(string upstream, AuthChallenge challenge)
    {
        // Keep only what identifies the auth service; scope varies per request.
        if (!challenge.IsBearer && _challenges.TryGetValue(upstream, out var existing) && existing.IsBearer)
        {
            // A Basic challenge (from a redirect target or an odd endpoint) must not hide the token service.
            return;
        }

        var kept = challenge.Parameters.Where(p => !string.Equals(p.Key, "scope", StringComparison.OrdinalIgnoreCase) && !string.Equals(p.Key, "error", StringComparison.OrdinalIgnoreCase));
        _challenges[upstream] = new AuthChallenge(challenge.Scheme, kept);
    }

    public AuthChallenge? Get(string upstream) => _challenges.GetValueOrDefault(upstream);
}
