namespace Edge.Host.Hosting;

/// <summary>
/// The live route table: the routes of the host's configured functions, and those of deployed functions, which come,
/// change and go while the host serves. Each change publishes a new immutable <see cref="RouteTable"/>, so a request
/// sees the table before or after a deploy, never half of one.
/// </summary>
internal sealed class FunctionRoutes
{
    private readonly Lock _gate = new();
    private IReadOnlyList<(RoutePattern Pattern, IRouteTarget Target)> _configured;
    private readonly Dictionary<string, (IReadOnlyList<RoutePattern> Patterns, IRouteTarget Target)> _deployed = new(StringComparer.Ordinal);
    private RouteTable _table;

    public FunctionRoutes(IReadOnlyList<(RoutePattern Pattern, IRouteTarget Target)> configured)
    {
        _configured = configured;
        _table = new RouteTable(configured);
    }

    /// <summary>Sets the routes of the host's configured functions (once, before the host starts).</summary>
    public void SetConfigured(IReadOnlyList<(RoutePattern Pattern, IRouteTarget Target)> configured)
    {
        lock (_gate)
        {
            _configured = configured;
            Publish();
        }
    }

    /// <summary>The table requests are routed by now.</summary>
    public RouteTable Table => Volatile.Read(ref _table);

    /// <summary>The names of the host's configured functions (deploys may not take them).</summary>
    public IReadOnlySet<string> ConfiguredNames => _configured.Select(r => r.Target.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Why <paramref name="function"/> may not take <paramref name="patterns"/>: another function, configured or
    /// deployed, already has one of them (the same host and path). Null when none conflicts.
    /// </summary>
    public string? FindConflict(string function, IEnumerable<RoutePattern> patterns)
    {
        lock (_gate)
        {
            var taken = _configured.Select(r => (r.Pattern, r.Target.Name))
                .Concat(_deployed.Where(d => d.Key != function).SelectMany(d => d.Value.Patterns.Select(p => (Pattern: p, Name: d.Key))));
            foreach (var pattern in patterns)
            {
                foreach (var (other, name) in taken)
                {
                    if (name != function && SameRoute(pattern, other))
                    {
                        return $"the route '{pattern.Text}' is already served by function '{name}' ('{other.Text}')";
                    }
                }
            }

            return null;
        }
    }

    /// <summary>Routes <paramref name="patterns"/> of deployed function <paramref name="function"/> to
    /// <paramref name="target"/>, replacing what it had.</summary>
    public void Set(string function, IReadOnlyList<RoutePattern> patterns, IRouteTarget target)
    {
        lock (_gate)
        {
            _deployed[function] = (patterns, target);
            Publish();
        }
    }

    /// <summary>Removes deployed function <paramref name="function"/>'s routes.</summary>
    public void Remove(string function)
    {
        lock (_gate)
        {
            if (_deployed.Remove(function))
            {
                Publish();
            }
        }
    }

    private static bool SameRoute(RoutePattern a, RoutePattern b) =>
        string.Equals(a.Host, b.Host, StringComparison.Ordinal)
        && string.Equals(a.HostSuffix, b.HostSuffix, StringComparison.Ordinal)
        && a.PathIsPrefix == b.PathIsPrefix
        && string.Equals(a.PathPrefix.TrimEnd('/'), b.PathPrefix.TrimEnd('/'), StringComparison.Ordinal);

    private void Publish() =>
        Volatile.Write(ref _table, new RouteTable(_configured.Concat(_deployed.Values.SelectMany(d => d.Patterns.Select(p => (p, d.Target))))));
}
