using Edge.Tls;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Bindings.Redis;

/// <summary>
/// Resolved settings of <see cref="RedisKeyValueDatabase"/>: the <c>Edge:KeyValue</c> section with its URL taken
/// apart and checked. <see cref="Parse"/> reports every problem; no message ever holds a credential.
/// </summary>
internal sealed class RedisKeyValueOptions
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>The Redis server; with <see cref="ServiceName"/>, the Sentinels to ask for the primary.</summary>
    public required IReadOnlyList<RedisHost> Hosts { get; init; }

    /// <summary>The Sentinel service whose primary to use, or null to talk to the one server in <see cref="Hosts"/>.</summary>
    public string? ServiceName { get; init; }

    /// <summary>The logical database (SELECT).</summary>
    public int Database { get; init; }

    /// <summary>Whether to speak TLS (<c>rediss://</c>).</summary>
    public bool UseTls { get; init; }

    /// <summary>The ACL user, or null.</summary>
    public string? Username { get; init; }

    /// <summary>The AUTH password, or null for no AUTH. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>The Sentinels' own password, or null to send them <see cref="Password"/>. Never logged.</summary>
    public string? SentinelPassword { get; init; }

    /// <summary>Prefix of every Redis key. Default <c>edge:</c>.</summary>
    public string KeyPrefix { get; init; } = "edge:";

    /// <summary>Limit on opening the connection (TCP, TLS, AUTH, SELECT). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Limit on one operation's round trip. Default 5 s.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Certificates trusted for TLS besides the system store, or null.</summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>
    /// How many index entries a listing reads per round trip. Default 500: one script call then runs well under
    /// a millisecond, so it never holds up other clients of a single-threaded Redis.
    /// </summary>
    public int ListPageSize { get; init; } = 500;

    /// <summary>
    /// The least time between two sweeps of a namespace's index for entries of expired keys. Default 1 minute:
    /// expired keys already read as absent; sweeping only keeps indexes of keys that are never listed from growing.
    /// </summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How many index entries one sweep checks. Default 500, for the same reason as <see cref="ListPageSize"/>.</summary>
    public int PurgeBatchSize { get; init; } = 500;

    /// <summary>
    /// <c>HOST:PORT[/DB]</c>, or <c>SERVICE[/DB] via Sentinel HOST:PORT,…</c>, for messages: never credentials.
    /// </summary>
    public string Endpoint
    {
        get
        {
            var database = Database == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"/{Database}");
            return ServiceName is null
                ? $"{Hosts[0]}{database}"
                : $"{ServiceName}{database} via Sentinel {string.Join(",", Hosts)}";
        }
    }

    /// <summary>
    /// Checks <paramref name="options"/> for <c>Type=redis</c> and resolves them; null when anything is wrong, each
    /// problem added to <paramref name="errors"/> naming its key.
    /// </summary>
    public static RedisKeyValueOptions? Parse(KeyValueOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        if (!string.IsNullOrEmpty(options.Path))
        {
            errors.Add("Edge:KeyValue:Path applies to Type sqlite only; remove it for redis.");
        }

        CheckTimeout(options.ConnectTimeout, "ConnectTimeout", errors);
        CheckTimeout(options.OperationTimeout, "OperationTimeout", errors);
        if (options.KeyPrefix is null || options.KeyPrefix.Length > 256)
        {
            errors.Add("Edge:KeyValue:KeyPrefix must be at most 256 characters (it may be empty).");
        }

        if (options.Username is not null && string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Edge:KeyValue:Username needs Edge:KeyValue:Password.");
        }

        var url = RedisUrl.Parse(options.Url, errors);
        if (url is null)
        {
            return null;
        }

        if (url.Password is not null && !string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Edge:KeyValue: a password is set both in Url and in Password; keep one.");
        }

        if (!string.IsNullOrEmpty(options.SentinelPassword) && url.ServiceName is null)
        {
            errors.Add("Edge:KeyValue:SentinelPassword applies to a redis+sentinel:// Url only.");
        }

        X509Certificate2Collection? trusted = null;
        if (!string.IsNullOrEmpty(options.CaCertificatePath))
        {
            if (!url.UseTls)
            {
                errors.Add("Edge:KeyValue:CaCertificatePath needs a rediss:// Url.");
            }
            else
            {
                trusted = LoadCertificates(options.CaCertificatePath, errors);
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new RedisKeyValueOptions
        {
            Hosts = url.Hosts,
            ServiceName = url.ServiceName,
            Database = url.Database,
            UseTls = url.UseTls,
            // A user named only in the URL's user info (redis://user:pass@) or in Username.
            Username = NullIfEmpty(options.Username) ?? url.Username,
            Password = url.Password ?? NullIfEmpty(options.Password),
            SentinelPassword = NullIfEmpty(options.SentinelPassword),
            KeyPrefix = options.KeyPrefix!,
            ConnectTimeout = options.ConnectTimeout,
            OperationTimeout = options.OperationTimeout,
            TrustedCertificates = trusted,
        };
    }

    private static void CheckTimeout(TimeSpan value, string name, List<string> errors)
    {
        if (value <= TimeSpan.Zero || value > MaxTimeout)
        {
            errors.Add($"Edge:KeyValue:{name} must be positive and at most 01:00:00.");
        }
    }

    private static X509Certificate2Collection? LoadCertificates(string path, List<string> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add($"Edge:KeyValue:CaCertificatePath: '{path}' does not exist.");
            return null;
        }

        try
        {
            return PeerCertificateValidator.LoadCertificates(path);
        }
        catch (CryptographicException ex) when (ex.Message == PeerCertificateValidator.NoCertificateMessage)
        {
            errors.Add($"Edge:KeyValue:CaCertificatePath: '{path}' holds no CERTIFICATE block.");
            return null;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"Edge:KeyValue:CaCertificatePath: '{path}' holds no readable certificate (PEM or DER): {ex.Message}");
            return null;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
