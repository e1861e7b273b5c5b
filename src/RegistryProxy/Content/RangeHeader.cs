using System.Globalization;
using Edge.Functions;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// A single <c>bytes=</c> range, the only form registries and their clients use. Multi-range requests are
/// answered whole (200), as RFC 9110 allows.
/// </summary>
internal static class RangeHeader
{
    public enum Outcome
    {
        None,
        Range,
        Invalid,
        Unsatisfiable,
    }

    public static Outcome Parse(string? header, long size, out ByteRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header))
        {
            return Outcome.None;
        }

        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return Outcome.Invalid;
        }

        var spec = header[6..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal))
        {
            return Outcome.None;
        }

        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return Outcome.Invalid;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        const NumberStyles Digits = NumberStyles.None;
        if (first.Length == 0)
        {
            // Suffix range: the last N bytes.
            if (!long.TryParse(last, Digits, CultureInfo.InvariantCulture, out var suffix))
            {
                return Outcome.Invalid;
            }

            if (suffix == 0)
            {
                return Outcome.Unsatisfiable;
            }

            var length = Math.Min(suffix, size);
            range = new ByteRange(size - length, length);
            return size == 0 ? Outcome.Unsatisfiable : Outcome.Range;
        }

        if (!long.TryParse(first, Digits, CultureInfo.InvariantCulture, out var start))
        {
            return Outcome.Invalid;
        }

        long? end = null;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, Digits, CultureInfo.InvariantCulture, out var parsedEnd) || parsedEnd < start)
            {
                return Outcome.Invalid;
            }

            end = parsedEnd;
        }

        if (start >= size)
        {
            return Outcome.Unsatisfiable;
        }

        var stop = Math.Min(end ?? size - 1, size - 1);
        range = new ByteRange(start, stop - start + 1);
        return Outcome.Range;
    }
}
