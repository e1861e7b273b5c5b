using System.Net.Http.Headers;
using System.Text;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Errors;
using Edge.RegistryProxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// The proxy's token endpoint (<c>/_edge/token/NAME</c>), where rewritten challenges send clients. It relays
/// to the realm the upstream named, so clients never need to reach the upstream's auth host.
/// </summary>
/// <remarks>
/// 1. Read the request: GET with query and optional Basic credentials (docker), or POST with an OAuth form
///    (containerd), whose scope is in the body.
/// 2. Map each repository scope into upstream's names (registry prefix removed, <c>library/</c> added), and
///    pick the upstream a path-form scope names.
/// 3. Credentials: the client's own; none from the client means the upstream's configured ones, if any, and then
///    only pull is asked for (the token is handed to a client that proved nothing).
/// 4. Relay to the realm (learned from upstream's challenge; asked for with a ping when unknown).
/// 5. Answer with both <c>token</c> and <c>access_token</c>. Tokens given to anonymous clients are
///    remembered by fingerprint: content they unlock is public. If the auth service is unreachable, an
///    offline token lets the client read public cached content only.
/// </remarks>
internal sealed class TokenRelay(
    UpstreamTable table,
    RealmCache realms,
    UpstreamClient upstreamClient,
    TokenFetcher fetcher,
    AnonymousTokens anonymousTokens,
    TimeProvider time)
{
    /// <summary>A token form is a few hundred bytes; anything larger is refused before it is read.</summary>
    private const int MaxFormBytes = 64 * 1024;

    public async Task ServeAsync(HttpContext http, Upstream upstream, CancellationToken cancellationToken)
    {
        var request = http.Request;

        // 1. Read
        string? service;
        List<string> scopes;
        (string User, string Password)? credentials = null;
        string? grantType = null;
        IFormCollection? form = null;
        if (HttpMethods.IsPost(request.Method))
        {
            if (!request.HasFormContentType || request.ContentLength > MaxFormBytes)
            {
                await new RegistryError(RegistryErrorCode.Unsupported, "Token requests by POST must be a form (application/x-www-form-urlencoded) under 64 KiB.", 400).WriteAsync(http.Response, cancellationToken);
                return;
            }

            form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { ValueLengthLimit = MaxFormBytes, KeyLengthLimit = 256, ValueCountLimit = 64 }, cancellationToken);
            service = form["service"].ToString();
            scopes = form["scope"].SelectMany(s => Scope.Split(s)).ToList();
            grantType = form["grant_type"].ToString();
            if (grantType == "password" && form["username"].Count > 0)
            {
                credentials = (form["username"].ToString(), form["password"].ToString());
            }
        }
        else if (HttpMethods.IsGet(request.Method))
        {
            service = request.Query["service"].ToString();
            scopes = request.Query["scope"].SelectMany(s => Scope.Split(s)).ToList();
            credentials = ParseBasic(request.Headers.Authorization);
        }
        else
        {
            await new RegistryError(RegistryErrorCode.Unsupported, "The token endpoint accepts GET and POST.").WriteAsync(http.Response, cancellationToken);
            return;
        }

        // 2. Map. One token request goes to one realm: the first repository scope decides the upstream, and
        // scopes that name another registry are left out rather than sent to the wrong token service.
        Upstream? target = null;
        var mapped = new List<string>(scopes.Count);
        foreach (var text in scopes)
        {
            if (!Scope.TryParse(text, out var scope) || !scope.Type.StartsWith("repository", StringComparison.Ordinal))
            {
                mapped.Add(text);
                continue;
            }

            var scopeUpstream = upstream;
            var name = scope.Name;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && RegistryNames.LooksLikeRegistryHost(name[..slash]) && table.TryGetByRegistryHost(name[..slash], out var prefixed))
            {
                scopeUpstream = prefixed;
                name = name[(slash + 1)..];
            }

            target ??= scopeUpstream;
            if (scopeUpstream == target)
            {
                mapped.Add((scope with { Name = target.UpstreamRepository(name) }).ToString());
            }
        }

        target ??= upstream;

        // 3. Credentials
        var anonymous = credentials is null && grantType != "refresh_token";
        if (credentials is null && target.HasCredentials)
        {
            credentials = (target.Username!, target.Password!);
            // The operator's credentials stand in for a client that sent none, to let it pull. The token goes to that
            // client, who could use it against upstream directly: never ask for more than pull with them.
            mapped = mapped.Select(PullOnly).OfType<string>().ToList();
        }

        // 4. Relay
        var challenge = realms.Get(target.Name);
        if (challenge is null)
        {
            using var ping = await upstreamClient.PingAsync(target, authorization: null, cancellationToken);
            challenge = realms.Get(target.Name);
        }

        TokenResponse? answer = null;
        if (challenge is { IsBearer: true } && Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm))
        {
            var effectiveService = string.IsNullOrEmpty(service) || target != upstream ? challenge.Service : service;
            if (grantType == "refresh_token" && form is not null)
            {
                var fields = form.Where(f => f.Key != "scope").Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString()))
                    .Append(new("scope", string.Join(' ', mapped)));
                answer = await fetcher.PostAsync(target, realm, fields, cancellationToken);
            }
            else
            {
                var extra = new List<KeyValuePair<string, string>>();
                foreach (var key in new[] { "account", "client_id", "offline_token" })
                {
                    var value = form?[key].ToString() ?? request.Query[key].ToString();
                    if (!string.IsNullOrEmpty(value))
                    {
                        extra.Add(new(key, value));
                    }
                }

                answer = await fetcher.GetAsync(target, realm, effectiveService, mapped, credentials, extra, cancellationToken);
            }
        }

        // 5. Answer
        if (answer is null || (answer.Status >= 500 && answer.Status != 501))
        {
            // Unreachable (or no token auth at all): a token that unlocks only public cached content.
            answer = TokenResponse.Offline(time);
            anonymous = true;
        }

        if (answer.Succeeded && anonymous)
        {
            anonymousTokens.Add(answer.Token!, answer.Lifetime + TimeSpan.FromMinutes(1));
        }

        http.Response.StatusCode = answer.Status;
        http.Response.ContentType = answer.ContentType ?? "application/json";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.ContentLength = answer.Body.Length;
        await http.Response.Body.WriteAsync(answer.Body, cancellationToken);
    }

    /// <summary>A repository scope reduced to pull, or null when it does not include pull.</summary>
    private static string? PullOnly(string text) =>
        Scope.TryParse(text, out var scope)
        && scope.Type.StartsWith("repository", StringComparison.Ordinal)
        && scope.Actions.Split(',', StringSplitOptions.TrimEntries).Contains("pull", StringComparer.Ordinal)
            ? (scope with { Actions = "pull" }).ToString()
            : null;

    private static (string, string)? ParseBasic(StringValues header)
    {
        if (header.Count == 0 || !AuthenticationHeaderValue.TryParse(header.ToString(), out var parsed)
            || !string.Equals(parsed.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || parsed.Parameter is null)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parsed.Parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
