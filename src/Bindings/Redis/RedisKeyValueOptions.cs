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
    /// <summary>The port Redis listens on unless told otherwise.</summary>
    public const int DefaultPort = 6379;

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>Host name or IP address.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The logical database (SELECT); 0 needs no command.</summary>
    public int Database { get; init; }

    /// <summary>Whether to speak TLS (<c>rediss://</c>).</summary>
    public bool UseTls { get; init; }

    /// <summary>The ACL user, or null.</summary>
    public string? Username { get; init; }

    /// <summary>The AUTH password, or null for no AUTH. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>Prefix of every Redis key. Default <c>edge:</c>.</summary>
    public string KeyPrefix { get; init; } = "edge:";

    /// <summary>Limit on opening a connection (TCP, TLS, AUTH, SELECT). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Limit on one operation: waiting for a free connection plus the round trip. Default 5 s.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most open connections. Default 16.</summary>
    public int MaxConnections { get; init; } = 16;

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

    /// <summary><c>HOST:PORT[/DB]</c>, for messages: never credentials.</summary>
    public string Endpoint
    {
        get
        {
            var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
            var endpoint = string.Create(CultureInfo.InvariantCulture, $"{host}:{Port}");
            return Database == 0 ? endpoint : string.Create(CultureInfo.InvariantCulture, $"{endpoint}/{Database}");
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
        if (options.MaxConnections is < 1 or > 1024)
        {
            errors.Add("Edge:KeyValue:MaxConnections must be between 1 and 1024.");
        }

        if (options.KeyPrefix is null || options.KeyPrefix.Length > 256)
        {
            errors.Add("Edge:KeyValue:KeyPrefix must be at most 256 characters (it may be empty).");
        }

        if (options.Username is not null && string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Edge:KeyValue:Username needs Edge:KeyValue:Password.");
        }

        var url = ParseUrl(options.Url, errors);
        if (url is null)
        {
            return null;
        }

        if (url.Password is not null && !string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Edge:KeyValue: a password is set both in Url and in Password; keep one.");
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

        var password = url.Password ?? NullIfEmpty(options.Password);
        return new RedisKeyValueOptions
        {
            Host = url.Host,
            Port = url.Port,
            Database = url.Database,
            UseTls = url.UseTls,
            // A user named only in the URL's user info (redis://user:pass@) or in Username.
            Username = NullIfEmpty(options.Username) ?? url.Username,
            Password = password,
            KeyPrefix = options.KeyPrefix!,
            ConnectTimeout = options.ConnectTimeout,
            OperationTimeout = options.OperationTimeout,
            MaxConnections = options.MaxConnections,
            TrustedCertificates = trusted,
        };
    }

    private static ParsedUrl? ParseUrl(string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add("Edge:KeyValue:Url is required for Type redis, e.g. redis://127.0.0.1:6379.");
            return null;
        }

        // Messages quote the URL without its user info, which may hold the password.
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            errors.Add($"Edge:KeyValue:Url '{Redact(text)}' is not a redis://HOST[:PORT][/DB] or rediss:// URL.");
            return null;
        }

        var shown = Redact(text);
        var valid = true;
        if (string.IsNullOrEmpty(uri.Host))
        {
            errors.Add($"Edge:KeyValue:Url '{shown}' has no host.");
            valid = false;
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add($"Edge:KeyValue:Url '{shown}' has a query or fragment; set options as Edge:KeyValue keys instead.");
            valid = false;
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 1_000_000))
        {
            errors.Add($"Edge:KeyValue:Url '{shown}': the path must be a database number such as /0.");
            valid = false;
        }

        string? username = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var pass = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (string.IsNullOrEmpty(pass))
            {
                // redis://secret@host is how some tools write a bare password; accept it as the password.
                password = user.Length > 0 ? user : null;
            }
            else
            {
                username = user.Length > 0 ? user : null;
                password = pass;
            }
        }

        if (uri.Port == 0)
        {
            errors.Add($"Edge:KeyValue:Url '{shown}': port 0 is not a port Redis listens on.");
            valid = false;
        }

        // DnsSafeHost drops an IPv6 address's brackets; IdnHost turns an international name into its DNS form.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.DnsSafeHost : uri.IdnHost;
        return valid
            ? new ParsedUrl(host, uri.Port < 0 ? DefaultPort : uri.Port, database, uri.Scheme == "rediss", username, password)
            : null;
    }

    /// <summary>The URL with any user info replaced by <c>***</c>, for messages.</summary>
    internal static string Redact(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var start = schemeEnd < 0 ? 0 : schemeEnd + 3;
        var at = url.LastIndexOf('@');
        return at >= start ? string.Concat(url.AsSpan(0, start), "***", url.AsSpan(at)) : url;
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

    private sealed record ParsedUrl(string Host, int Port, int Database, bool UseTls, string? Username, string? Password)
    {
        // The generated ToString would print the password.
        public override string ToString() => Host;
    }
}
