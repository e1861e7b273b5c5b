using System.Collections.Concurrent;
using System.Net;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// <c>/v2/</c>: the version check and, for docker, where it learns how to authenticate. An anonymous ping
/// gets the upstream's challenge (rewritten to our realm); a ping with credentials is checked upstream, so
/// <c>docker login</c> against the mirror really verifies them. An unreachable upstream gets a 200: the cache
/// still serves.
/// </summary>
internal sealed class BaseEndpoint(UpstreamClient upstreamClient, TimeProvider time)
{
    /// <summary>Anonymous pings are answered from memory for this long: docker pings before every pull.</summary>
    private static readonly TimeSpan PingCacheTime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (int Status, AuthChallenge? Challenge, DateTimeOffset Until)> _pings = new(StringComparer.Ordinal);

    public async Task ServeAsync(ProxyRequest request)
    {
        var upstream = request.Route.Upstream;
        var response = request.Response;
        var authorization = request.Authorization;
        if (authorization is null && upstream.HasCredentials)
        {
            // The proxy authenticates for anonymous clients; they never need a token.
            response.StatusCode = 200;
            return;
        }

        if (authorization is null && _pings.TryGetValue(upstream.Name, out var cachedPing) && cachedPing.Until > time.GetUtcNow())
        {
            await WriteAsync(request, cachedPing.Status, cachedPing.Challenge);
            return;
        }

        using var result = await upstreamClient.PingAsync(upstream, ClientCredentials.IsOfflineToken(authorization) ? null : authorization, request.Aborted);
        if (result.Response is null)
        {
            // Offline: say yes, so clients go on to ask for what the cache may hold.
            response.StatusCode = 200;
            request.State.Cache = CacheOutcome.Stale;
            return;
        }

        var status = result.Response.StatusCode == HttpStatusCode.Unauthorized ? 401 : result.Response.IsSuccessStatusCode ? 200 : (int)result.Response.StatusCode;
        var challenge = status == 401 ? AuthChallenge.Parse(result.Response.Headers.WwwAuthenticate.ToString()) : null;
        if (authorization is null && status is 200 or 401)
        {
            _pings[upstream.Name] = (status, challenge, time.GetUtcNow() + PingCacheTime);
        }

        await WriteAsync(request, status >= 500 ? 200 : status, challenge);
    }

    private static async Task WriteAsync(ProxyRequest request, int status, AuthChallenge? challenge)
    {
        var response = request.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (challenge is not null)
        {
            response.Headers.WWWAuthenticate = UpstreamResponses.RewriteChallenge(challenge, request);
        }

        var body = status == 200 ? "{}"u8.ToArray() : """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}"""u8.ToArray();
        response.ContentLength = body.Length;
        if (!request.IsHead)
        {
            await response.Body.WriteAsync(body, request.Aborted);
        }
    }
}
