using System.Text;

namespace Edge.RegistryProxy.Auth;

/// <summary>
/// One <c>WWW-Authenticate</c> challenge: a scheme and its <c>key="value"</c> parameters. Quoted values may
/// contain commas (<c>scope="repository:a/b:pull,push"</c>) and escaped quotes; splitting the header on
/// commas, as several proxies do, breaks them.
/// </summary>
internal sealed class AuthChallenge
{
    public AuthChallenge(string scheme, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        Scheme = scheme;
        Parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in parameters)
        {
            // A repeated parameter is invalid (RFC 9110 11.2); keep the first rather than throw on upstream input.
            Parameters.TryAdd(key, value);
        }
    }

    public string Scheme { get; }

    public Dictionary<string, string> Parameters { get; }

    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);

    public string? Realm => Parameters.GetValueOrDefault("realm");

    public string? Service => Parameters.GetValueOrDefault("service");

    public string? Scope => Parameters.GetValueOrDefault("scope");

    /// <summary>Parses the first challenge of a header value; null when it is not one.</summary>
    public static AuthChallenge? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var i = 0;
        SkipSpace(header, ref i);
        var start = i;
        while (i < header.Length && IsTokenChar(header[i]))
        {
            i++;
        }

        if (i == start)
        {
            return null;
        }

        if (i < header.Length && header[i] != ',' && !char.IsWhiteSpace(header[i]))
        {
            // Not a scheme: e.g. realm="…" with the scheme missing.
            return null;
        }

        var scheme = header[start..i];
        var parameters = new List<KeyValuePair<string, string>>();
        while (i < header.Length)
        {
            SkipSpace(header, ref i);
            if (i < header.Length && header[i] == ',')
            {
                i++;
                continue;
            }

            var keyStart = i;
            while (i < header.Length && IsTokenChar(header[i]))
            {
                i++;
            }

            if (i == keyStart)
            {
                break;
            }

            var key = header[keyStart..i];
            SkipSpace(header, ref i);
            if (i >= header.Length || header[i] != '=')
            {
                // A bare token after the parameters starts the next challenge; we only need the first.
                break;
            }

            i++;
            SkipSpace(header, ref i);
            string value;
            if (i < header.Length && header[i] == '"')
            {
                i++;
                var sb = new StringBuilder();
                while (i < header.Length && header[i] != '"')
                {
                    if (header[i] == '\\' && i + 1 < header.Length)
                    {
                        i++;
                    }

                    sb.Append(header[i]);
                    i++;
                }

                i++; // closing quote (or end)
                value = sb.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < header.Length && header[i] != ',' && !char.IsWhiteSpace(header[i]))
                {
                    i++;
                }

                value = header[valueStart..i];
            }

            parameters.Add(new(key, value));
        }

        return new AuthChallenge(scheme, parameters);
    }

    public override string ToString()
    {
        var sb = new StringBuilder(Scheme);
        var first = true;
        // realm first, as registries send it; some clients are picky.
        foreach (var (key, value) in Parameters.OrderBy(p => string.Equals(p.Key, "realm", StringComparison.OrdinalIgnoreCase) ? 0 : 1))
        {
            sb.Append(first ? " " : ",");
            first = false;
            sb.Append(key).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return sb.ToString();
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }
    }

    private static bool IsTokenChar(char c) => c > ' ' && c < 127 && c is not ('=' or ',' or '"' or '(' or ')' or '<' or '>' or '@' or ';' or ':' or '\\' or '/' or '[' or ']' or '?' or '{' or '}');
}
