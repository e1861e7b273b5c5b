namespace Edge.Tunnel.Relay;

/// <summary>The ingress rules, ordered most specific first.</summary>
internal sealed class TunnelIngressTable
{
    private readonly TunnelIngressRule[] _rules;

    public TunnelIngressTable(IEnumerable<TunnelIngressRule> rules)
    {
        _rules = [.. rules
            .OrderBy(r => r.Host.StartsWith("*.", StringComparison.Ordinal) ? 1 : 0)
            .ThenByDescending(r => r.Host.Length)
            .ThenByDescending(r => NormalizePrefix(r.PathPrefix).Length)];
    }

    /// <summary>The most specific rule matching <paramref name="host"/> (no port) and <paramref name="path"/>.</summary>
    public TunnelIngressRule? Match(string host, string path)
    {
        foreach (var rule in _rules)
        {
            if (HostMatches(rule.Host, host) && PathMatches(NormalizePrefix(rule.PathPrefix), path))
            {
                return rule;
            }
        }

        return null;
    }

    private static bool HostMatches(string pattern, string host)
    {
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern.AsSpan(1);
            return host.Length > suffix.Length && host.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    private static bool PathMatches(string prefix, string path)
    {
        if (prefix.Length == 0)
        {
            return true;
        }

        return path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/');
    }

    private static string NormalizePrefix(string? prefix) => string.IsNullOrEmpty(prefix) ? "" : prefix.TrimEnd('/');
}
