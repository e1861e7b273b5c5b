namespace Edge.Host.Hosting;

/// <summary>
/// A Workers-style route: <c>HOST[/PATH]</c>. HOST is <c>*</c> (any), an exact name, or <c>*.suffix</c>
/// (any subdomain of suffix, not suffix itself). PATH is exact, or a prefix when it ends in <c>*</c>, matched on
/// segment boundaries (<c>/api/*</c> takes <c>/api</c> and <c>/api/x</c>, not <c>/apix</c>).
/// </summary>
internal sealed record RoutePattern(string Text, string? Host, string? HostSuffix, string PathPrefix, bool PathIsPrefix)
{
    /// <summary>How specific the route is: exact hosts beat suffixes beat any; longer paths beat shorter.</summary>
    public (int HostRank, int HostLength, int PathLength) Specificity =>
        (Host is not null ? 2 : HostSuffix is not null ? 1 : 0, (Host ?? HostSuffix ?? "").Length, PathPrefix.Length);

    public static bool TryParse(string text, out RoutePattern? pattern, out string? error)
    {
        pattern = null;
        error = null;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = "a route pattern is empty";
            return false;
        }

        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var hostPart = slash < 0 ? trimmed : trimmed[..slash];
        var pathPart = slash < 0 ? "/*" : trimmed[slash..];

        string? host = null, suffix = null;
        if (hostPart is not "*")
        {
            if (hostPart.StartsWith("*.", StringComparison.Ordinal))
            {
                suffix = hostPart[1..].ToLowerInvariant();
                hostPart = hostPart[2..];
            }
            else
            {
                host = hostPart.ToLowerInvariant();
            }

            if (hostPart.Length == 0 || hostPart.Contains('*', StringComparison.Ordinal) || Uri.CheckHostName(hostPart.Split(':')[0]) == UriHostNameType.Unknown)
            {
                error = $"route '{text}': the host must be '*', a host name or '*.suffix'";
                return false;
            }
        }

        var isPrefix = pathPart.EndsWith('*');
        var path = isPrefix ? pathPart[..^1] : pathPart;
        if (path.Contains('*', StringComparison.Ordinal))
        {
            error = $"route '{text}': '*' is allowed only at the end of the path";
            return false;
        }

        pattern = new RoutePattern(trimmed, host, suffix, path, isPrefix);
        return true;
    }

    public bool Matches(string host, string path)
    {
        if (Host is not null && !string.Equals(Host, host, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (HostSuffix is not null && !host.EndsWith(HostSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return PathIsPrefix ? MatchesPrefix(path) : string.Equals(path, PathPrefix, StringComparison.Ordinal);
    }

    // A prefix matches on segment boundaries: "/api/*" and "/api*" both take "/api", "/api/" and "/api/x", never
    // "/apix" (a function for /api must not receive another application's /apix).
    private bool MatchesPrefix(string path)
    {
        var root = PathPrefix.AsSpan().TrimEnd('/');
        if (root.IsEmpty)
        {
            return true;
        }

        return path.AsSpan().StartsWith(root, StringComparison.Ordinal)
            && (path.Length == root.Length || path[root.Length] == '/');
    }
}
