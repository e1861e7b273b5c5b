namespace Edge.RegistryProxy.Routing;

/// <summary>Which registry API a request addresses.</summary>
internal enum RouteKind
{
    Base,
    Manifest,
    Blob,
    TagList,
    Token,
}

/// <summary>
/// A request resolved to an upstream and a repository, in both namespaces: what the client called it
/// (<see cref="ClientName"/>, e.g. <c>ghcr.io/owner/app</c> or <c>nginx</c>) and what upstream calls it
/// (<see cref="Repository"/>, e.g. <c>owner/app</c> or <c>library/nginx</c>).
/// </summary>
internal sealed record RegistryRoute(RouteKind Kind, Upstream Upstream, string ClientName, string Repository, string? Reference)
{
    public Digest? Digest { get; init; }

    public bool ByDigest => Digest is not null;
}
