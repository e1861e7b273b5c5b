namespace Edge.Bindings;

/// <summary>The key-value store (<c>Edge:KeyValue</c>).</summary>
public sealed class KeyValueOptions
{
    /// <summary>
    /// The store kind: <c>sqlite</c> or <c>redis</c>. Default <c>sqlite</c>: an embedded file, no external service.
    /// <c>redis</c> shares the metadata among several hosts behind a load balancer.
    /// </summary>
    public string Type { get; set; } = "sqlite";

    /// <summary>For <c>sqlite</c>: the database file. Default <c>DATA/kv.sqlite</c>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// For <c>redis</c>: <c>redis://[USER:PASSWORD@]HOST[:PORT][/DB]</c>, or <c>rediss://</c> for TLS; or, for a
    /// primary that Redis Sentinel watches and replaces on failure,
    /// <c>redis+sentinel://[USER:PASSWORD@]HOST[:PORT][,HOST[:PORT]…]/SERVICE[/DB]</c>, naming the Sentinels and the
    /// service (the name in <c>sentinel monitor</c>). Default none (required). Ports default to 6379 (Redis) and
    /// 26379 (Sentinel), the database to 0. The credentials are Redis's; they are never logged.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>For <c>redis</c>: the ACL user sent with AUTH. Default none (the <c>default</c> user).</summary>
    public string? Username { get; set; }

    /// <summary>
    /// For <c>redis</c>: the password sent with AUTH (<c>requirepass</c> or the user's). Default none (no AUTH).
    /// Never logged; prefer an environment variable (<c>Edge__KeyValue__Password</c>) to a file.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>
    /// For <c>redis+sentinel://</c>: the password of the Sentinels themselves (<c>requirepass</c> in
    /// <c>sentinel.conf</c>) when it differs from Redis's. Default none: the Sentinels get Redis's password, if any,
    /// as most deployments give both the same one. Never logged.
    /// </summary>
    public string? SentinelPassword { get; set; }

    /// <summary>
    /// For <c>redis</c>: put in front of every Redis key this host writes. Default <c>edge:</c>: several
    /// installations (or other applications) can share one Redis when each has a prefix of its own.
    /// </summary>
    public string KeyPrefix { get; set; } = "edge:";

    /// <summary>
    /// For <c>redis</c>: the limit on opening the connection (TCP, TLS, AUTH, SELECT; with Sentinel, asking a
    /// Sentinel for the primary too). Default 5 s, as common Redis clients use: long enough for a TLS handshake
    /// across a region, short enough that a request waiting for a Redis that is down fails well within a client's
    /// patience. Only the first operation waits for it; later ones fail at once while Redis stays unreachable.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For <c>redis</c>: the limit on one operation once connected (the round trip). Default 5 s: Redis answers
    /// these commands in microseconds, so anything near this is a stuck server or network, which should surface
    /// as an error rather than a hung request.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For <c>rediss://</c>: a PEM (or DER) file of a private CA, or of the server's self-signed certificate,
    /// trusted in addition to the system store. Default none. The host name is always checked.
    /// </summary>
    public string? CaCertificatePath { get; set; }
}
