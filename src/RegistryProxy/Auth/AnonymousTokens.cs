using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// Fingerprints of the tokens our token endpoint handed to clients that sent no credentials. A request
/// carrying one of them is anonymous: what upstream serves it, upstream serves to anyone.
/// Only SHA-256 fingerprints are kept, never tokens.
/// </summary>
internal sealed class AnonymousTokens(TimeProvider time)
{
    /// <summary>Bound on remembered fingerprints; beyond it expired ones are swept, then the oldest half.</summary>
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiry = new(StringComparer.Ordinal);

    public void Add(string token, TimeSpan lifetime)
    {
        if (_expiry.Count >= MaxEntries)
        {
            Sweep();
        }

        _expiry[Fingerprint(token)] = time.GetUtcNow() + lifetime;
    }

    public bool Contains(string token) =>
        _expiry.TryGetValue(Fingerprint(token), out var until) && until > time.GetUtcNow();

    public static string Fingerprint(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, until) in _expiry)
        {
            if (until <= now)
            {
                _expiry.TryRemove(key, out _);
            }
        }

        if (_expiry.Count >= MaxEntries)
        {
            foreach (var (key, _) in _expiry.OrderBy(p => p.Value).Take(_expiry.Count / 2))
            {
                _expiry.TryRemove(key, out _);
            }
        }
    }
}
