using System.Net;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Errors;
using Edge.RegistryProxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// Turns an upstream answer that is not content into the client's answer: 401s get a challenge pointing at
/// the proxy's token endpoint, 429s keep their rate-limit headers, 5xx become a 502 naming the upstream.
/// </summary>
internal static class UpstreamResponses
{
    private static readonly string[] PassedHeaders = ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Docker-RateLimit-Source"];

    /// <summary>The challenge the client sees: our realm on the host it used, upstream's service and its scope in the client's names.</summary>
    public static string RewriteChallenge(AuthChallenge upstream, ProxyRequest request)
    {
        var route = request.Route;
        var parameters = new Dictionary<string, string>(upstream.Parameters, StringComparer.OrdinalIgnoreCase);
        if (upstream.IsBearer)
        {
            var client = request.Context.Client;
            parameters["realm"] = $"{client.Scheme}://{client.Host}{RegistryRouter.TokenPathPrefix}{route.Upstream.Name}";
            if (parameters.TryGetValue("scope", out var scope))
            {
                parameters["scope"] = string.Join(' ', Scope.Split(scope).Select(s =>
                    Scope.TryParse(s, out var parsed) && parsed.Name == route.Repository && route.ClientName.Length > 0
                        ? (parsed with { Name = route.ClientName }).ToString()
                        : s));
            }
        }

        return new AuthChallenge(upstream.Scheme, parameters).ToString();
    }

    public static async Task WriteFailureAsync(UpstreamResult result, ProxyRequest request, RegistryErrorCode notFoundCode)
    {
        if (result.Failure is { } failure)
        {
            await failure.WriteAsync(request.Response, request.Aborted);
            return;
        }

        var response = result.Response!;
        var status = (int)response.StatusCode;
        var upstream = request.Route.Upstream;
        var headers = new List<KeyValuePair<string, string>>();
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString());
            if (challenge is not null)
            {
                headers.Add(new("WWW-Authenticate", RewriteChallenge(challenge, request)));
            }

            await new RegistryError(RegistryErrorCode.Unauthorized, $"Authentication required by {upstream.Describe()}.") { Headers = headers }.WriteAsync(request.Response, request.Aborted);
            return;
        }

        foreach (var name in PassedHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                headers.Add(new(name, string.Join(", ", values)));
            }
        }

        var error = status switch
        {
            429 => new RegistryError(RegistryErrorCode.TooManyRequests, $"{upstream.Describe()} is rate-limiting this mirror (429). Try again later, or configure credentials for it."),
            403 => new RegistryError(RegistryErrorCode.Denied, $"{upstream.Describe()} denied access to '{request.Route.ClientName}'."),
            404 => new RegistryError(notFoundCode, $"{upstream.Describe()} has no '{request.Route.ClientName}' {(request.Route.Reference is null ? "" : "'" + request.Route.Reference + "'")}.".Replace("  ", " ", StringComparison.Ordinal)),
            >= 500 => new RegistryError(RegistryErrorCode.Unavailable, $"{upstream.Describe()} answered {status} {response.ReasonPhrase}.", 502),
            _ => new RegistryError(RegistryErrorCode.Unavailable, $"{upstream.Describe()} answered {status} {response.ReasonPhrase}.", status is >= 400 and < 500 ? status : 502),
        };
        await (error with { Headers = headers }).WriteAsync(request.Response, request.Aborted);
    }
}
