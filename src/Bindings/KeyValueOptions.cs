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
    /// For <c>redis</c>: <c>redis://[USER:PASSWORD@]HOST[:PORT][/DB]</c>, or <c>rediss://</c> for TLS. Default none
    /// (required). The port defaults to 6379, the database to 0. Credentials in it are never logged.
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
    /// For <c>redis</c>: put in front of every Redis key this host writes. Default <c>edge:</c>: several
    /// installations (or other applications) can share one Redis when each has a prefix of its own.
    /// </summary>
    public string KeyPrefix { get; set; } = "edge:";

    /// <summary>
    /// For <c>redis</c>: the limit on opening one connection (TCP, TLS, AUTH, SELECT). Default 5 s, as common
    /// Redis clients use: long enough for a TLS handshake across a region, short enough that a request waiting for
    /// a Redis that is down fails well within a client's patience.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For <c>redis</c>: the limit on one operation once connected (waiting for a free connection and the round
    /// trip). Default 5 s: Redis answers these commands in microseconds, so anything near this is a stuck server
    /// or network, which should surface as an error rather than a hung request.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For <c>redis</c>: the most connections kept open. Default 16: a connection serves one operation at a
    /// time and each takes well under a millisecond, so 16 carries thousands of operations a second without
    /// burdening a Redis shared by several hosts.
    /// </summary>
    public int MaxConnections { get; set; } = 16;

    /// <summary>
    /// For <c>rediss://</c>: a PEM (or DER) file of a private CA, or of the server's self-signed certificate,
    /// trusted in addition to the system store. Default none. The host name is always checked.
    /// </summary>
    public string? CaCertificatePath { get; set; }
}
