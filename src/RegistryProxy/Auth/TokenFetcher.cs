using System.Net.Http.Headers;
using System.Text;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Resilience;
using Edge.RegistryProxy.Routing;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// Asks a token service (a realm an upstream named) for a token, through that upstream's channel: its proxy, its
/// retries (GET only) and its circuit breaker, so a realm that is down fails at once like its registry.
/// </summary>
internal sealed class TokenFetcher(UpstreamChannels channels)
{
    /// <summary>Token bodies are small; anything larger is not a token service talking.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// GET <paramref name="realm"/> (named by <paramref name="upstream"/>)?service=…&amp;scope=… with optional Basic credentials. Returns null when the
    /// service cannot be reached.
    /// </summary>
    public async Task<TokenResponse?> GetAsync(
        Upstream upstream,
        Uri realm,
        string? service,
        IEnumerable<string> scopes,
        (string User, string Password)? basic,
        IEnumerable<KeyValuePair<string, string>> extraQuery,
        CancellationToken cancellationToken)
    {
        var query = new StringBuilder(realm.Query.TrimStart('?'));
        void Add(string key, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        if (!string.IsNullOrEmpty(service))
        {
            Add("service", service);
        }

        foreach (var scope in scopes)
        {
            Add("scope", scope);
        }

        foreach (var (key, value) in extraQuery)
        {
            Add(key, value);
        }

        var uri = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        var authorization = basic is { } creds
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(creds.User + ":" + creds.Password)))
            : null;
        return await SendAsync(channels.For(upstream), () => new HttpRequestMessage(HttpMethod.Get, uri) { Headers = { Authorization = authorization } }, idempotent: true, cancellationToken);
    }

    /// <summary>POSTs an OAuth form (refresh_token grants) to the realm. Never retried: a grant may be single-use.</summary>
    public async Task<TokenResponse?> PostAsync(Upstream upstream, Uri realm, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var fields = form.ToArray();
        return await SendAsync(channels.For(upstream), () => new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(fields) }, idempotent: false, cancellationToken);
    }

    /// <summary>One exchange, body included (token bodies are small): the channel's timeout covers all of it.</summary>
    private static async Task<TokenResponse?> SendAsync(UpstreamChannel channel, Func<HttpRequestMessage> create, bool idempotent, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.ExecuteAsync(
                async attemptToken =>
                {
                    using var request = create();
                    using var response = await channel.Http.SendAsync(request, attemptToken);
                    var body = await BoundedBody.ReadAsync(response.Content, MaxBodyBytes, "token answer", attemptToken);
                    return TokenResponse.FromBody((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
                },
                idempotent,
                cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or IOException or BrokenCircuitException or TimeoutRejectedException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
