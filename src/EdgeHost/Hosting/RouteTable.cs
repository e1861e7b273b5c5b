namespace Edge.Host.Hosting;

/// <summary>Maps a request's host and path to the function that serves it; the most specific route wins.</summary>
internal sealed class RouteTable
{
    private readonly (RoutePattern Pattern, FunctionInstance Function)[] _routes;

    public RouteTable(IEnumerable<(RoutePattern Pattern, FunctionInstance Function)> routes)
    {
        // Sorted once, most specific first, so a lookup is a linear scan that stops at the first match.
        _routes = routes
            .OrderByDescending(r => r.Pattern.Specificity.HostRank)
            .ThenByDescending(r => r.Pattern.Specificity.HostLength)
            .ThenByDescending(r => r.Pattern.Specificity.PathLength)
            .ToArray();
    }

    public FunctionInstance? Match(string host, string path)
    {
        var hostName = StripPort(host);
        foreach (var (pattern, function) in _routes)
        {
            if (pattern.Matches(hostName, path))
            {
                return function;
            }
        }

        return null;
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[..(end + 1)] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon >= 0 ? host[..colon] : host;
    }
}
