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

    /// <summary>Whether <paramref name="host"/> matches an exact or <c>*.suffix</c> pattern (the apex does not
    /// match its wildcard).</summary>
    public static bool HostMatches(string pattern, string host)
    {
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern.AsSpan(1);
            return host.Length > suffix.Length && host.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether some host name matches both patterns.</summary>
    public static bool Overlap(string a, string b)
    {
        var aWild = a.StartsWith("*.", StringComparison.Ordinal);
        var bWild = b.StartsWith("*.", StringComparison.Ordinal);
        return (aWild, bWild) switch
        {
            (false, false) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase),
            (true, false) => HostMatches(a, b),
            (false, true) => HostMatches(b, a),
            _ => a[1..].EndsWith(b[1..], StringComparison.OrdinalIgnoreCase) || b[1..].EndsWith(a[1..], StringComparison.OrdinalIgnoreCase),
        };
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
