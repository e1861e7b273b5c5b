using System.Text.RegularExpressions;

namespace Edge.RegistryProxy.Routing;

/// <summary>
/// The configured upstreams and every way to reach one: by name (subdomain, token path), by registry host
/// (<c>?ns=</c>, path prefix), by extra Host name.
/// </summary>
internal sealed partial class UpstreamTable
{
    private readonly Dictionary<string, Upstream> _byName;
    private readonly Dictionary<string, Upstream> _byRegistryHost;
    private readonly Dictionary<string, Upstream> _byHost;

    private UpstreamTable(Dictionary<string, Upstream> byName, Upstream @default, string? domain)
    {
        _byName = byName;
        Default = @default;
        Domain = domain;
        _byRegistryHost = new(StringComparer.OrdinalIgnoreCase);
        _byHost = new(StringComparer.OrdinalIgnoreCase);
        foreach (var upstream in byName.Values)
        {
            foreach (var host in upstream.RegistryHosts)
            {
                _byRegistryHost[host] = upstream;
            }

            foreach (var host in upstream.Hosts)
            {
                _byHost[host] = upstream;
            }
        }
    }

    public Upstream Default { get; }

    public string? Domain { get; }

    public IEnumerable<Upstream> All => _byName.Values;

    public static UpstreamTable Build(RegistryProxyOptions options, List<string> errors)
    {
        var byName = new Dictionary<string, Upstream>(StringComparer.OrdinalIgnoreCase);
        var names = DefaultUpstreams.All.Select(d => d.Name).Concat(options.Upstreams.Keys).Distinct(StringComparer.OrdinalIgnoreCase);
        var registryHostOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var hostOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            var builtIn = DefaultUpstreams.All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            options.Upstreams.TryGetValue(name, out var configured);
            if (configured is { Enabled: false })
            {
                continue;
            }

            if (!NameLabel().IsMatch(name))
            {
                errors.Add($"Upstreams:{name}: the name must be a DNS label (lowercase letters, digits, '-'), since NAME.Domain serves it.");
                continue;
            }

            var url = configured?.Url ?? builtIn.Url;
            if (string.IsNullOrWhiteSpace(url))
            {
                errors.Add($"Upstreams:{name}:Url is required.");
                continue;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add($"Upstreams:{name}:Url '{url}' must be an absolute http(s) URL without query or credentials.");
                continue;
            }

            var registryHosts = configured?.RegistryHosts is { Count: > 0 } hosts ? hosts.ToArray()
                : builtIn.RegistryHosts ?? [uri.Authority];
            if (configured?.RegistryHosts is { Count: > 0 } && builtIn.RegistryHosts is not null && configured.Url is null)
            {
                registryHosts = registryHosts.Concat(builtIn.RegistryHosts).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            }

            foreach (var host in registryHosts)
            {
                if (!host.Contains('.', StringComparison.Ordinal) && !host.Contains(':', StringComparison.Ordinal) && host != "localhost")
                {
                    errors.Add($"Upstreams:{name}:RegistryHosts: '{host}' must look like a registry host (contain '.' or ':'), or names like it would be ambiguous with repositories.");
                }
                else if (registryHostOwners.TryGetValue(host, out var owner))
                {
                    errors.Add($"Upstreams:{name}:RegistryHosts: '{host}' is already used by upstream '{owner}'.");
                }
                else
                {
                    registryHostOwners[host] = name;
                }
            }

            var extraHosts = configured?.Hosts ?? [];
            foreach (var host in extraHosts)
            {
                if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
                {
                    errors.Add($"Upstreams:{name}:Hosts: '{host}' must be a host name without scheme or port.");
                }
                else if (!hostOwners.TryAdd(host, name))
                {
                    errors.Add($"Upstreams:{name}:Hosts: '{host}' is already served by upstream '{hostOwners[host]}'.");
                }
            }

            var username = configured?.Username;
            var password = configured?.Password;
            if ((username is null) != (password is null))
            {
                errors.Add($"Upstreams:{name}: Username and Password must be given together.");
            }

            Uri? proxy = null;
            if (!string.IsNullOrWhiteSpace(configured?.Proxy))
            {
                // The value is never quoted: it may carry a password. The environment checks scheme, host and port.
                if (!Uri.TryCreate(configured.Proxy.Trim(), UriKind.Absolute, out proxy) || proxy.Host.Length == 0)
                {
                    errors.Add($"Upstreams:{name}:Proxy is not an absolute URL with a host; expected socks5://[user:password@]host:port or http://[user:password@]host:port.");
                    proxy = null;
                }
            }

            byName[name] = new Upstream(
                name.ToLowerInvariant(),
                uri,
                registryHosts,
                configured?.Hosts.ToArray() ?? [],
                configured?.DockerHub ?? builtIn.DockerHub,
                username,
                password,
                proxy);
        }

        if (!byName.TryGetValue(options.DefaultUpstream, out var @default))
        {
            errors.Add($"DefaultUpstream '{options.DefaultUpstream}' is not a configured upstream; known: {string.Join(", ", byName.Keys.Order())}.");
            @default = byName.Values.FirstOrDefault() ?? new Upstream("none", new Uri("http://invalid"), [], [], false, null, null);
        }

        var domain = string.IsNullOrWhiteSpace(options.Domain) ? null : options.Domain.Trim().TrimStart('.').ToLowerInvariant();
        if (domain is not null && Uri.CheckHostName(domain) != UriHostNameType.Dns)
        {
            errors.Add($"Domain '{options.Domain}' is not a DNS name.");
        }

        return new UpstreamTable(byName, @default, domain);
    }

    public bool TryGetByName(string name, out Upstream upstream) => _byName.TryGetValue(name, out upstream!);

    public bool TryGetByRegistryHost(string host, out Upstream upstream) => _byRegistryHost.TryGetValue(host, out upstream!);

    /// <summary>The upstream a Host header names: an extra host, or <c>NAME.Domain</c>. Null for the bare host.</summary>
    public HostMatch MatchHost(string hostWithoutPort)
    {
        if (_byHost.TryGetValue(hostWithoutPort, out var upstream))
        {
            return new HostMatch(upstream, null);
        }

        if (Domain is not null && hostWithoutPort.Length > Domain.Length + 1
            && hostWithoutPort.EndsWith("." + Domain, StringComparison.OrdinalIgnoreCase))
        {
            var label = hostWithoutPort[..^(Domain.Length + 1)];
            return _byName.TryGetValue(label, out upstream!) ? new HostMatch(upstream, null) : new HostMatch(null, label);
        }

        return new HostMatch(null, null);
    }

    /// <summary>A sentence listing the ways to address registries, for "unknown registry" errors.</summary>
    public string DescribeAddressing()
    {
        var hosts = string.Join(", ", _byName.Values.OrderBy(u => u.Name, StringComparer.Ordinal).Select(u => $"{u.Name} ({(u.RegistryHosts.Count > 0 ? u.RegistryHosts[0] : u.BaseUri.Authority)})"));
        var sub = Domain is null ? "" : $" a subdomain NAME.{Domain};";
        return $"Configured registries: {hosts}. Address one by{sub} a first path component (HOST/REGISTRY/REPO, e.g. ghcr.io/owner/app); or containerd's ?ns=REGISTRY. The bare host serves '{Default.Name}'.";
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex NameLabel();
}

/// <summary>What a Host header selected: an upstream, an unknown subdomain label, or nothing (bare host).</summary>
internal readonly record struct HostMatch(Upstream? Upstream, string? UnknownLabel);
