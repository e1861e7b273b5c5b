using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Content;

/// <summary>What to ask an upstream, and on whose behalf.</summary>
/// <param name="Upstream">The registry.</param>
/// <param name="Method">GET or HEAD.</param>
/// <param name="PathAndQuery">Path under the upstream's base, e.g. <c>/v2/library/nginx/manifests/1</c>.</param>
/// <param name="Repository">The upstream repository, for the scope of any token the proxy fetches itself.</param>
/// <param name="ClientAuthorization">The client's Authorization header, forwarded only to the upstream itself.</param>
internal sealed record UpstreamRequest(Upstream Upstream, HttpMethod Method, string PathAndQuery, string Repository, string? ClientAuthorization)
{
    public string? Accept { get; init; }

    public string? Range { get; init; }

    public string? UserAgent { get; init; }
}
