namespace Edge.Bindings;

/// <summary>URLs as configuration messages may quote them: user info (a password, an access key) never shown.</summary>
internal static class UrlRedaction
{
    /// <summary>The URL with any user info replaced by <c>***</c>; works on text that is not a valid URL too.</summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var start = schemeEnd < 0 ? 0 : schemeEnd + 3;
        var at = url.LastIndexOf('@');
        return at >= start ? string.Concat(url.AsSpan(0, start), "***", url.AsSpan(at)) : url;
    }
}
