using System.Net.Http.Headers;
using System.Text;
using Edge.RegistryProxy.Content;

namespace Edge.RegistryProxy.Auth;

/// <summary>Asks a token service (a realm an upstream named) for a token.</summary>
internal sealed class TokenFetcher(HttpMessageInvoker http, TimeSpan timeout)
{
    /// <summary>Token bodies are small; anything larger is not a token service talking.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// GET <paramref name="realm"/>?service=…&amp;scope=… with optional Basic credentials. Returns null when the
    /// service cannot be reached.
    /// </summary>
    public async Task<TokenResponse?> GetAsync(
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
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (basic is { } creds)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(creds.User + ":" + creds.Password)));
        }

        return await SendAsync(request, cancellationToken);
    }

    /// <summary>POSTs an OAuth form (refresh_token grants) to the realm.</summary>
    public async Task<TokenResponse?> PostAsync(Uri realm, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        return await SendAsync(request, cancellationToken);
    }

    private async Task<TokenResponse?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, timeoutSource.Token);
            var body = await BoundedBody.ReadAsync(response.Content, MaxBodyBytes, "token answer", timeoutSource.Token);
            return TokenResponse.FromBody((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or IOException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
