using System.Collections.Concurrent;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// Tokens the proxy fetches for itself: with an upstream's configured credentials when a client sends none,
/// or anonymously for a redirect target that challenges. Cached until shortly before they expire.
/// </summary>
internal sealed class ProxyTokenSource(TokenFetcher fetcher, TimeProvider time)
{
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);

    /// <param name="upstream">The upstream whose request was challenged: its realm is reached the way it is.</param>
    /// <param name="challenge">The challenge.</param>
    /// <param name="scope">The scope to ask for.</param>
    /// <param name="credentials">The operator's credentials, or null for an anonymous token.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public async Task<string?> GetAsync(Upstream upstream, AuthChallenge challenge, string? scope, (string User, string Password)? credentials, CancellationToken cancellationToken)
    {
        if (!challenge.IsBearer || !Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
        {
            return null;
        }

        var key = string.Join('\n', challenge.Realm, challenge.Service, scope, credentials is null ? "" : AnonymousTokens.Fingerprint(credentials.Value.User + ":" + credentials.Value.Password));
        if (_tokens.TryGetValue(key, out var cached) && cached.Until > time.GetUtcNow())
        {
            return cached.Token;
        }

        var response = await fetcher.GetAsync(upstream, realm, challenge.Service, scope is null ? [] : Scope.Split(scope), credentials, [], cancellationToken);
        if (response is not { Succeeded: true })
        {
            return null;
        }

        if (_tokens.Count >= MaxEntries)
        {
            _tokens.Clear();
        }

        // Renew a little early so a token never expires between our check and upstream's.
        _tokens[key] = (response.Token!, time.GetUtcNow() + response.Lifetime * 0.9);
        return response.Token;
    }

    public void Forget(AuthChallenge challenge, string? scope)
    {
        var prefix = string.Join('\n', challenge.Realm, challenge.Service, scope) + "\n";
        foreach (var key in _tokens.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _tokens.TryRemove(key, out _);
        }
    }
}
