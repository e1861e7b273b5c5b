using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Edge.HttpProxy;

/// <summary>The validated origin: where requests go and which Host they carry.</summary>
internal sealed class OriginTarget
{
    private OriginTarget(Uri origin, string? hostHeader)
    {
        Uri = origin;
        HostHeader = hostHeader;
        Prefix = origin.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
    }

    /// <summary>The origin as configured (scheme, host, port).</summary>
    public Uri Uri { get; }

    /// <summary><c>scheme://host[:port]</c>: what the request target is appended to.</summary>
    public string Prefix { get; }

    /// <summary>The Host header to send, or null to keep the client's.</summary>
    public string? HostHeader { get; }

    /// <summary>
    /// Checks <paramref name="options"/>; adds one sentence per problem to <paramref name="errors"/> and returns null
    /// when there is any.
    /// </summary>
    public static OriginTarget? Create(HttpProxyOptions options, List<string> errors)
    {
        var before = errors.Count;
        Uri? origin = null;
        if (string.IsNullOrWhiteSpace(options.Origin))
        {
            errors.Add("Origin is required: the URL every request is forwarded to, for example http://127.0.0.1:3000.");
        }
        else if (!Uri.TryCreate(options.Origin, UriKind.Absolute, out origin) || origin.IsFile || origin.IsUnc)
        {
            errors.Add($"Origin '{options.Origin}' is not an absolute URL; use http://HOST[:PORT] or https://HOST[:PORT].");
        }
        else if (origin.Scheme != Uri.UriSchemeHttp && origin.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"Origin '{options.Origin}' uses '{origin.Scheme}'; only http and https origins are supported.");
        }
        else
        {
            if (origin.UserInfo.Length > 0)
            {
                errors.Add("Origin must not contain credentials; the client's own Authorization header is passed through.");
            }

            if (origin.AbsolutePath != "/" || origin.Query.Length > 0 || origin.Fragment.Length > 0)
            {
                errors.Add($"Origin '{options.Origin}' must not have a path, query or fragment: requests keep their own path and query.");
            }
        }

        if (options.HostHeader is { } host && !IsValidHost(host))
        {
            errors.Add($"HostHeader '{host}' is not a valid host: use HOST or HOST:PORT.");
        }

        if (options.ResponseTimeout <= TimeSpan.Zero)
        {
            errors.Add($"ResponseTimeout must be positive (was {options.ResponseTimeout}).");
        }

        if (options.H2c && origin?.Scheme == Uri.UriSchemeHttps)
        {
            errors.Add($"H2c applies to http:// origins only; '{options.Origin}' negotiates HTTP/2 through TLS by itself.");
        }

        return errors.Count > before ? null : new OriginTarget(origin!, options.HostHeader);
    }

    /// <summary>The Host header for <paramref name="request"/>.</summary>
    public string HostFor(HttpRequest request) =>
        HostHeader ?? (request.Host.HasValue ? request.Host.Value! : Uri.Authority);

    private static bool IsValidHost(string value)
    {
        string name;
        string? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            name = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }

                port = rest[1..];
            }

            if (Uri.CheckHostName(name) != UriHostNameType.IPv6)
            {
                return false;
            }
        }
        else
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && value.IndexOf(':', colon + 1) >= 0)
            {
                return false;
            }

            name = colon < 0 ? value : value[..colon];
            port = colon < 0 ? null : value[(colon + 1)..];
            if (Uri.CheckHostName(name) is UriHostNameType.Unknown or UriHostNameType.IPv6)
            {
                return false;
            }
        }

        return port is null
            || (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535);
    }
}
