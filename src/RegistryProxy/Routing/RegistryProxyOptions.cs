namespace Edge.RegistryProxy.Routing;

/// <summary>The registry proxy's settings: the function's vars (section <c>Registry</c> by default).</summary>
public sealed class RegistryProxyOptions
{
    /// <summary>
    /// The parent domain for subdomain routing: with <c>example.com</c>, <c>ghcr.example.com</c> serves the
    /// <c>ghcr</c> upstream. Default none: only the bare host, <c>?ns=</c> and path prefixes select upstreams.
    /// </summary>
    public string? Domain { get; set; }

    /// <summary>The upstream the bare host serves. Default <c>docker</c>, so daemon.json registry-mirrors work.</summary>
    public string DefaultUpstream { get; set; } = "docker";

    /// <summary>Upstreams by name, merged over the built-in table.</summary>
    public Dictionary<string, UpstreamOptions> Upstreams { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How long a cached tag is served without asking upstream. After it, the tag is revalidated with a HEAD,
    /// which Docker Hub does not count against its pull limit. Default 5 minutes: new pushes show up quickly
    /// while a busy CI fleet costs one HEAD per tag per five minutes.
    /// </summary>
    public TimeSpan TagTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a client's credentials, once the upstream accepted them for a repository, let that client read
    /// the repository from cache without asking again. Default 2 minutes: a pull's worth, shorter than tokens live.
    /// </summary>
    public TimeSpan AccessTtl { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a repository that upstream served to an anonymous client counts as public, readable from cache
    /// by anyone (also while upstream is down). Default 24 hours.
    /// </summary>
    public TimeSpan PublicTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long to wait for an upstream's response headers, per attempt. Default 60 s: a registry under load can take
    /// seconds to start a large manifest list, and an upstream that is down is caught by its circuit breaker instead.
    /// Bodies have no time limit.
    /// </summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Circuit breaker and retries, per upstream (<c>Registry:Resilience</c>).</summary>
    public Resilience.ResilienceOptions Resilience { get; set; } = new();

    /// <summary>The largest manifest accepted. Default 4 MiB, distribution's own limit.</summary>
    public int MaxManifestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The bucket binding blobs and manifests are cached in. Default <c>cache</c>.</summary>
    public string CacheBucket { get; set; } = "cache";

    /// <summary>The key-value binding for tags, links and access records. Default <c>meta</c>.</summary>
    public string MetadataStore { get; set; } = "meta";

    /// <summary>
    /// The most bytes of blobs and manifests the cache bucket may hold. When a sweep finds more, it deletes the
    /// least recently used objects until the cache is at 90% of this (so it does not sweep again at once).
    /// Default 0: unlimited, as before this setting existed; only the operator knows how much disk is theirs.
    /// </summary>
    public long MaxCacheSize { get; set; }

    /// <summary>
    /// How often the cache is measured (and trimmed when over <see cref="MaxCacheSize"/>). Default 5 minutes:
    /// listing a large cache costs disk reads, and a pull rarely adds more than a few minutes' worth of data.
    /// Only used when <see cref="MaxCacheSize"/> is set.
    /// </summary>
    public TimeSpan CacheSweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Objects used (served or committed) within this long are never evicted, so a pull in progress keeps the
    /// layers it already has. Default 1 minute: longer than the gap between a pull's requests.
    /// </summary>
    public TimeSpan CacheProtectRecent { get; set; } = TimeSpan.FromMinutes(1);
}
