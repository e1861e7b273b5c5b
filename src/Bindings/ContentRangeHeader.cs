using System.Globalization;

namespace Edge.Bindings;

/// <summary>The <c>Content-Range</c> of a store's answer to a ranged read, as remote buckets need it.</summary>
internal static class ContentRangeHeader
{
    /// <summary>Reads <c>bytes FIRST-LAST/TOTAL</c>: where the bytes start and the whole object's size.</summary>
    public static bool TryParse(string value, out long first, out long total)
    {
        first = total = 0;
        var span = value.AsSpan().Trim();
        if (!span.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        span = span[6..];
        var dash = span.IndexOf('-');
        var slash = span.IndexOf('/');
        return dash > 0 && slash > dash
            && long.TryParse(span[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out total);
    }
}
