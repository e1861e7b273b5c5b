namespace Edge.Host.Configuration;

/// <summary>Settings of the outbound HTTP client functions use (<c>Edge:Http</c>).</summary>
public sealed class OutboundHttpOptions
{
    /// <summary>
    /// How long to wait for a TCP (and TLS) connection to an origin.
    /// Default 15 s: a blocked registry fails fast enough for the client to see a clear 502/504.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a pooled connection lives before it is replaced. Default 5 minutes, so DNS changes of
    /// CDN-fronted origins are picked up.
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether to use the HTTP(S)_PROXY / NO_PROXY environment variables for outbound requests.
    /// Default true: networks that need an egress proxy are exactly where this program runs.
    /// </summary>
    public bool UseEnvironmentProxy { get; set; } = true;
}
