using System.Collections.Concurrent;
using Edge.Functions;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// Decides who may read cached content, so the cache never widens access.
/// </summary>
/// <remarks>
/// A repository is <em>public</em> once upstream served it to an anonymous request (no credentials, one of our
/// anonymous tokens, or the operator's own upstream credentials): then anyone may read its cache, also while
/// upstream is down. Otherwise a client may read it only after upstream accepted that client's own
/// Authorization for that repository, remembered for <see cref="RegistryProxyOptions.AccessTtl"/> by a
/// fingerprint of the header.
/// </remarks>
internal sealed class AccessPolicy(IKeyValueStore store, AnonymousTokens anonymousTokens, RegistryProxyOptions options, TimeProvider time)
{
    private const int MaxGrants = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _grants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _publicSeen = new(StringComparer.Ordinal);

    public bool IsAnonymous(string? authorization)
    {
        if (authorization is null || ClientCredentials.IsOfflineToken(authorization))
        {
            return true;
        }

        var token = ClientCredentials.BearerToken(authorization);
        return token is not null && anonymousTokens.Contains(token);
    }

    /// <summary>Record that upstream just served <paramref name="repository"/> to a request with this Authorization.</summary>
    public async ValueTask RecordSuccessAsync(Upstream upstream, string repository, string? authorization, CancellationToken cancellationToken)
    {
        if (IsAnonymous(authorization))
        {
            var key = CacheKeys.Public(upstream, repository);
            var now = time.GetUtcNow();
            // Refresh the durable record at most every tenth of its lifetime.
            if (!_publicSeen.TryGetValue(key, out var until) || until - now < options.PublicTtl * 0.9)
            {
                _publicSeen[key] = now + options.PublicTtl;
                await store.PutAsync(key, "1"u8.ToArray(), options.PublicTtl, cancellationToken);
            }

            return;
        }

        if (_grants.Count >= MaxGrants)
        {
            SweepGrants();
        }

        _grants[GrantKey(upstream, repository, authorization!)] = time.GetUtcNow() + options.AccessTtl;
    }

    /// <summary>Whether cached content of the repository may be served to this Authorization without asking upstream.</summary>
    public async ValueTask<bool> MayReadCacheAsync(Upstream upstream, string repository, string? authorization, CancellationToken cancellationToken)
    {
        if (await IsPublicAsync(upstream, repository, cancellationToken))
        {
            return true;
        }

        return authorization is not null
            && _grants.TryGetValue(GrantKey(upstream, repository, authorization), out var until)
            && until > time.GetUtcNow();
    }

    public async ValueTask<bool> IsPublicAsync(Upstream upstream, string repository, CancellationToken cancellationToken)
    {
        var key = CacheKeys.Public(upstream, repository);
        var now = time.GetUtcNow();
        if (_publicSeen.TryGetValue(key, out var until) && until > now)
        {
            return true;
        }

        if (await store.GetAsync(key, cancellationToken) is not null)
        {
            // The durable record's own expiry is authoritative; remember it briefly in memory.
            _publicSeen[key] = now + TimeSpan.FromMinutes(1);
            return true;
        }

        return false;
    }

    private static string GrantKey(Upstream upstream, string repository, string authorization) =>
        upstream.Name + "/" + repository + "|" + AnonymousTokens.Fingerprint(authorization);

    private void SweepGrants()
    {
        var now = time.GetUtcNow();
        foreach (var (key, until) in _grants)
        {
            if (until <= now)
            {
                _grants.TryRemove(key, out _);
            }
        }

        if (_grants.Count >= MaxGrants)
        {
            _grants.Clear();
        }
    }
}
