namespace Edge.Tunnel.Relay;

/// <summary>The relay: which tunnels it accepts agents for and how public requests map onto them.</summary>
public sealed class TunnelRelayOptions
{
    /// <summary>Tunnels and their agent tokens.</summary>
    public List<TunnelDefinition> Tunnels { get; set; } = [];

    /// <summary>Public-entry rules; the most specific matching rule wins (exact host over wildcard, longer wildcard
    /// suffix first, then longer path prefix).</summary>
    public List<TunnelIngressRule> Ingress { get; set; } = [];

    /// <summary>Access tokens for private ingress rules: a request carrying
    /// <see cref="TunnelProtocol.AccessTokenHeader"/> with a token whose <see cref="TunnelAccessCredential.Hosts"/>
    /// cover its host is forwarded to a private rule like a public request. Default: none (private rules are
    /// unreachable).</summary>
    public List<TunnelAccessCredential> Access { get; set; } = [];

    /// <summary>Attempts per request, counting the first. Default 3 (as cloudflared). A request is sent again, on a
    /// connection of another agent when there is one, only before any response byte reached the client, and only when
    /// it provably never reached an agent or it is a GET, HEAD or OPTIONS without a body
    /// (<see cref="Edge.Forwarding.RetryRule"/>).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Initial HTTP/2 receive window per stream on the relay's client side. Default 1 MiB. SocketsHttpHandler
    /// grows a stream's window from here (by the measured round-trip time) up to <see cref="MaxStreamWindowSize"/>.
    /// </summary>
    public int InitialStreamWindowSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// The largest HTTP/2 receive window a stream may grow to. Default 4 MiB: one download runs at up to ~80 MiB/s over
    /// a 50 ms relay–agent round trip, and a public client slower than its agent makes the relay hold at most this much
    /// of its response. SocketsHttpHandler only takes this limit process-wide, from the
    /// <c>DOTNET_SYSTEM_NET_HTTP_SOCKETSHTTPHANDLER_FLOWCONTROL_MAXSTREAMWINDOWSIZE</c> environment variable, before the
    /// first handler is created: <see cref="TunnelFlowControl.ApplyProcessWide"/> sets it (a host that embeds the relay
    /// calls it at start-up).
    /// </summary>
    public int MaxStreamWindowSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>HTTP/2 PING interval on idle tunnel connections. Default 15 s: a dead agent connection is found and
    /// dropped from the pool within <see cref="KeepAlivePingDelay"/> + <see cref="KeepAlivePingTimeout"/>.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a PING may go unanswered. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Returns every configuration error at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tunnel in Tunnels)
        {
            if (string.IsNullOrWhiteSpace(tunnel.Id))
            {
                errors.Add("Tunnels: every tunnel needs an Id");
                continue;
            }

            if (!ids.Add(tunnel.Id))
            {
                errors.Add($"Tunnels: '{tunnel.Id}' is defined twice");
            }

            var hasToken = !string.IsNullOrEmpty(tunnel.Token);
            var hasHash = !string.IsNullOrEmpty(tunnel.TokenSha256);
            if (hasToken == hasHash)
            {
                errors.Add($"Tunnels: '{tunnel.Id}' needs exactly one of Token or TokenSha256");
            }
            else if (hasHash && (tunnel.TokenSha256!.Length != 64 || !tunnel.TokenSha256.All(Uri.IsHexDigit)))
            {
                errors.Add($"Tunnels: '{tunnel.Id}' TokenSha256 must be 64 hex digits");
            }
        }

        foreach (var rule in Ingress)
        {
            var host = rule.Host;
            if (!IsHostPattern(host))
            {
                errors.Add($"Ingress: host '{host}' must be a name or *.suffix, without port or path");
            }

            if (rule.PathPrefix is { Length: > 0 } prefix && !prefix.StartsWith('/'))
            {
                errors.Add($"Ingress: path prefix '{prefix}' of host '{host}' must start with '/'");
            }

            if (!ids.Contains(rule.TunnelId))
            {
                errors.Add($"Ingress: host '{host}' names unknown tunnel '{rule.TunnelId}'");
            }
        }

        ValidateAccess(errors);

        if (InitialStreamWindowSize is < 65535 or > 64 * 1024 * 1024 || MaxStreamWindowSize is < 65535 or > 64 * 1024 * 1024)
        {
            errors.Add("InitialStreamWindowSize and MaxStreamWindowSize must be between 65535 and 67108864 bytes");
        }
        else if (InitialStreamWindowSize > MaxStreamWindowSize)
        {
            errors.Add($"InitialStreamWindowSize ({InitialStreamWindowSize}) must not exceed MaxStreamWindowSize ({MaxStreamWindowSize})");
        }

        if (MaxAttempts is < 1 or > 10)
        {
            errors.Add("MaxAttempts must be between 1 and 10");
        }

        return errors;
    }

    private static bool IsHostPattern(string? host)
    {
        if (host is null)
        {
            return false;
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return !string.IsNullOrWhiteSpace(name) && !name.Contains('*', StringComparison.Ordinal) && !name.Contains(':', StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal);
    }

    private void ValidateAccess(List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var privateHosts = Ingress.Where(r => r.Private && IsHostPattern(r.Host)).Select(r => r.Host).ToArray();
        foreach (var access in Access)
        {
            if (string.IsNullOrWhiteSpace(access.Name) || access.Name.Any(c => c <= ' ' || c > '~'))
            {
                errors.Add("Access: every credential needs a Name (printable ASCII without spaces)");
                continue;
            }

            if (!names.Add(access.Name))
            {
                errors.Add($"Access: '{access.Name}' is defined twice");
            }

            var hasToken = !string.IsNullOrEmpty(access.Token);
            var hasHash = !string.IsNullOrEmpty(access.TokenSha256);
            if (hasToken == hasHash)
            {
                errors.Add($"Access: '{access.Name}' needs exactly one of Token or TokenSha256");
            }
            else if (hasHash && (access.TokenSha256!.Length != 64 || !access.TokenSha256.All(Uri.IsHexDigit)))
            {
                errors.Add($"Access: '{access.Name}' TokenSha256 must be 64 hex digits");
            }
            else if (hasToken && access.Token!.Any(c => c <= ' ' || c > '~'))
            {
                errors.Add($"Access: '{access.Name}' Token must be printable ASCII without spaces (it travels in the {TunnelProtocol.AccessTokenHeader} header)");
            }
            else
            {
                var hash = Convert.ToHexString(TunnelAccessTable.HashOf(access));
                if (hashes.TryGetValue(hash, out var other))
                {
                    errors.Add($"Access: '{other}' and '{access.Name}' have the same token");
                }
                else
                {
                    hashes[hash] = access.Name;
                }
            }

            if (access.Hosts.Count == 0)
            {
                errors.Add($"Access: '{access.Name}' needs at least one entry in Hosts");
            }

            foreach (var host in access.Hosts)
            {
                if (!IsHostPattern(host))
                {
                    errors.Add($"Access: '{access.Name}' host '{host}' must be a name or *.suffix, without port or path");
                }
                else if (!privateHosts.Any(p => TunnelIngressTable.Overlap(host, p)))
                {
                    errors.Add($"Access: '{access.Name}' host '{host}' matches no private ingress rule (public rules need no token)");
                }
            }
        }
    }
}
