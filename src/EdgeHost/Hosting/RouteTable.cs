namespace Edge.Host.Hosting;

/// <summary>Maps a request's host and path to the function that serves it; the most specific route wins.</summary>
internal sealed class RouteTable
{
    private readonly (RoutePattern Pattern, IRouteTarget Target)[] _routes;

    public RouteTable(IEnumerable<(RoutePattern Pattern, IRouteTarget Target)> routes)
    {
        // Sorted once, most specific first, so a lookup is a linear scan that stops at the first match.
        _routes = routes
            .OrderByDescending(r => r.Pattern.Specificity.HostRank)
            .ThenByDescending(r => r.Pattern.Specificity.HostLength)
            .ThenByDescending(r => r.Pattern.Specificity.PathLength)
            .ToArray();
    }

    /// <summary>Every route, most specific first (for the route table the host prints and <c>edge list</c>).</summary>
    public IReadOnlyList<(RoutePattern Pattern, IRouteTarget Target)> Routes => _routes;

    public IRouteTarget? Match(string host, string path)
    {
        var hostName = StripPort(host);
        foreach (var (pattern, target) in _routes)
        {
            if (pattern.Matches(hostName, path))
            {
                return target;
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
