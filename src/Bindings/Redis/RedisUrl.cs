using System.Globalization;

namespace Edge.Bindings.Redis;

/// <summary>
/// <c>Edge:KeyValue:Url</c> taken apart: one Redis server (<c>redis://</c>, <c>rediss://</c>), or the Sentinels that
/// name the primary of a service (<c>redis+sentinel://</c>). <see cref="Parse"/> reports every problem, quoting the
/// URL without its user info, which may hold the password.
/// </summary>
internal sealed class RedisUrl
{
    /// <summary>The port Redis listens on unless told otherwise.</summary>
    public const int DefaultPort = 6379;

    /// <summary>The port Sentinel listens on unless told otherwise.</summary>
    public const int DefaultSentinelPort = 26379;

    private const string SentinelScheme = "redis+sentinel://";
    private const string Forms = "redis://HOST[:PORT][/DB], rediss://HOST[:PORT][/DB] or redis+sentinel://HOST[:PORT][,HOST[:PORT]…]/SERVICE[/DB]";
    private const int MaxDatabase = 1_000_000;

    private RedisUrl(IReadOnlyList<RedisHost> hosts, string? serviceName, int database, bool useTls, string? username, string? password)
    {
        Hosts = hosts;
        ServiceName = serviceName;
        Database = database;
        UseTls = useTls;
        Username = username;
        Password = password;
    }

    /// <summary>The server, or with <see cref="ServiceName"/> the Sentinels.</summary>
    public IReadOnlyList<RedisHost> Hosts { get; }

    /// <summary>The Sentinel service (the name in <c>sentinel monitor</c>), or null for one server.</summary>
    public string? ServiceName { get; }

    /// <summary>The logical database (SELECT).</summary>
    public int Database { get; }

    /// <summary>Whether to speak TLS (<c>rediss://</c>).</summary>
    public bool UseTls { get; }

    /// <summary>The ACL user in the user info, or null.</summary>
    public string? Username { get; }

    /// <summary>The password in the user info, or null. Never logged.</summary>
    public string? Password { get; }

    /// <summary>The URL, or null after adding every problem to <paramref name="errors"/>.</summary>
    public static RedisUrl? Parse(string? text, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add("Edge:KeyValue:Url is required for Type redis, e.g. redis://127.0.0.1:6379.");
            return null;
        }

        if (text.StartsWith(SentinelScheme, StringComparison.OrdinalIgnoreCase))
        {
            return ParseSentinel(text, errors);
        }

        if (text.StartsWith("rediss+sentinel://", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Edge:KeyValue:Url '{UrlRedaction.Redact(text)}': TLS with Sentinel (rediss+sentinel://) is not supported; use redis+sentinel:// on a trusted network, or rediss:// to one server.");
            return null;
        }

        return ParseServer(text, errors);
    }

    /// <summary>The host of the URL, never the user info (a generated ToString would print the password).</summary>
    public override string ToString() => string.Join(",", Hosts);

    private static RedisUrl? ParseServer(string text, List<string> errors)
    {
        var shown = UrlRedaction.Redact(text);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            errors.Add($"Edge:KeyValue:Url '{shown}' is not a {Forms} URL.");
            return null;
        }

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
        if (path.Length > 0 && !TryParseDatabase(path, out database))
        {
            errors.Add($"Edge:KeyValue:Url '{shown}': the path must be a database number such as /0.");
            valid = false;
        }

        if (uri.Port == 0)
        {
            errors.Add($"Edge:KeyValue:Url '{shown}': port 0 is not a port Redis listens on.");
            valid = false;
        }

        var (username, password) = SplitUserInfo(uri.UserInfo);

        // DnsSafeHost drops an IPv6 address's brackets; IdnHost turns an international name into its DNS form.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.DnsSafeHost : uri.IdnHost;
        return valid
            ? new RedisUrl([new RedisHost(host, uri.Port < 0 ? DefaultPort : uri.Port)], null, database, uri.Scheme == "rediss", username, password)
            : null;
    }

    private static RedisUrl? ParseSentinel(string text, List<string> errors)
    {
        var shown = UrlRedaction.Redact(text);
        var example = "e.g. redis+sentinel://sentinel1:26379,sentinel2:26379/mymaster";
        var rest = text[SentinelScheme.Length..];
        if (rest.IndexOfAny(['?', '#']) >= 0)
        {
            errors.Add($"Edge:KeyValue:Url '{shown}' has a query or fragment; set options as Edge:KeyValue keys instead.");
            return null;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? string.Empty : rest[(slash + 1)..].TrimEnd('/');
        var at = authority.LastIndexOf('@');
        var (username, password) = SplitUserInfo(at < 0 ? string.Empty : authority[..at]);
        var hostList = at < 0 ? authority : authority[(at + 1)..];

        var valid = true;
        var hosts = new List<RedisHost>();
        if (hostList.Length == 0)
        {
            errors.Add($"Edge:KeyValue:Url '{shown}' names no Sentinel; {example}.");
            valid = false;
        }
        else
        {
            foreach (var entry in hostList.Split(','))
            {
                if (TryParseHost(entry, out var host))
                {
                    hosts.Add(host);
                }
                else
                {
                    errors.Add($"Edge:KeyValue:Url '{shown}': '{entry}' is not a Sentinel HOST[:PORT] (an IPv6 address in brackets, a port from 1 to 65535).");
                    valid = false;
                }
            }
        }

        var segments = path.Length == 0 ? [] : path.Split('/');
        string? service = null;
        var database = 0;
        if (segments.Length == 0)
        {
            errors.Add($"Edge:KeyValue:Url '{shown}' names no service: the path must be /SERVICE[/DB], SERVICE being the name in 'sentinel monitor'; {example}.");
            valid = false;
        }
        else if (segments.Length > 2)
        {
            errors.Add($"Edge:KeyValue:Url '{shown}': the path must be /SERVICE[/DB], such as /mymaster/0.");
            valid = false;
        }
        else
        {
            service = segments[0];
            if (!IsServiceName(service))
            {
                errors.Add($"Edge:KeyValue:Url '{shown}': the service name '{service}' must be letters, digits, '.', '_' or '-'.");
                valid = false;
            }

            if (segments.Length == 2 && !TryParseDatabase(segments[1], out database))
            {
                errors.Add($"Edge:KeyValue:Url '{shown}': the database after the service must be a number such as /mymaster/0.");
                valid = false;
            }
        }

        return valid ? new RedisUrl(hosts, service, database, useTls: false, username, password) : null;
    }

    private static bool TryParseHost(string entry, out RedisHost host)
    {
        host = default;
        string name;
        string? port = null;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            name = entry[1..close];
            var after = entry[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return false;
                }

                port = after[1..];
            }

            if (Uri.CheckHostName(name) != UriHostNameType.IPv6)
            {
                return false;
            }
        }
        else
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            name = colon < 0 ? entry : entry[..colon];
            port = colon < 0 ? null : entry[(colon + 1)..];
            if (Uri.CheckHostName(name) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            {
                return false;
            }
        }

        var number = DefaultSentinelPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            return false;
        }

        host = new RedisHost(name, number);
        return true;
    }

    private static bool IsServiceName(string name) =>
        name.Length is > 0 and <= 256 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static bool TryParseDatabase(string text, out int database) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out database) && database <= MaxDatabase;

    private static (string? Username, string? Password) SplitUserInfo(string userInfo)
    {
        if (userInfo.Length == 0)
        {
            return (null, null);
        }

        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
        var pass = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);

        // redis://secret@host is how some tools write a bare password; accept it as the password.
        return string.IsNullOrEmpty(pass)
            ? (null, user.Length > 0 ? user : null)
            : (user.Length > 0 ? user : null, pass);
    }
}
