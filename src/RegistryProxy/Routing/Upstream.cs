namespace Edge.RegistryProxy.Routing;

/// <summary>A validated upstream registry.</summary>
internal sealed record Upstream(
    string Name,
    Uri BaseUri,
    IReadOnlyList<string> RegistryHosts,
    IReadOnlyList<string> Hosts,
    bool DockerHub,
    string? Username,
    string? Password,
    Uri? Proxy = null)
{
    public bool HasCredentials => Username is not null && Password is not null;

    /// <summary>A description for messages: name and URL, never credentials.</summary>
    public string Describe() => $"upstream '{Name}' ({BaseUri.GetLeftPart(UriPartial.Authority)})";

    /// <summary>The repository name upstream uses for what a client called <paramref name="name"/>.</summary>
    public string UpstreamRepository(string name) =>
        DockerHub && !name.Contains('/', StringComparison.Ordinal) ? "library/" + name : name;

    /// <summary>The proxy's address for messages, without credentials; null when the upstream is reached directly.</summary>
    public string? DescribeProxy() => Proxy is null ? null : $"{Proxy.Scheme}://{Proxy.Authority}";

    /// <summary>
    /// Messages from the network stack name hosts and proxies, not credentials; this makes sure of it for the ones
    /// configured here, before a message reaches a log line or a client.
    /// </summary>
    public string Redact(string message)
    {
        string?[] secrets = [Password, Proxy?.UserInfo, Proxy?.UserInfo is { Length: > 0 } info ? Uri.UnescapeDataString(info) : null];
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return message;
    }

    /// <summary>Never the generated member list: it would print the password and the proxy's credentials.</summary>
    public override string ToString() => Describe();

    public Uri Resolve(string pathAndQuery) => new(BaseUri, BaseUri.AbsolutePath.TrimEnd('/') + pathAndQuery);
}
