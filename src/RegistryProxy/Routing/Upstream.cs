namespace Edge.RegistryProxy.Routing;

/// <summary>A validated upstream registry.</summary>
internal sealed record Upstream(
    string Name,
    Uri BaseUri,
    IReadOnlyList<string> RegistryHosts,
    IReadOnlyList<string> Hosts,
    bool DockerHub,
    string? Username,
    string? Password)
{
    public bool HasCredentials => Username is not null && Password is not null;

    /// <summary>A description for messages: name and URL, never credentials.</summary>
    public string Describe() => $"upstream '{Name}' ({BaseUri.GetLeftPart(UriPartial.Authority)})";

    /// <summary>The repository name upstream uses for what a client called <paramref name="name"/>.</summary>
    public string UpstreamRepository(string name) =>
        DockerHub && !name.Contains('/', StringComparison.Ordinal) ? "library/" + name : name;

    public Uri Resolve(string pathAndQuery) => new(BaseUri, BaseUri.AbsolutePath.TrimEnd('/') + pathAndQuery);
}
