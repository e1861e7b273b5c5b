using System.Collections.ObjectModel;

namespace Edge.Bindings.Azure;

/// <summary>
/// Custom metadata and content types as Azure Blob storage keeps them. They travel as HTTP headers
/// (<c>x-ms-meta-NAME</c>), so anything Azure would refuse, or that would not come back as written, is refused before
/// any request, with the reason.
/// </summary>
internal static class AzureMetadata
{
    /// <summary>Azure's limit on all of a blob's metadata names and values together: 8 KiB.</summary>
    public const int MaxTotalSize = 8 * 1024;

    /// <summary>
    /// A copy of <paramref name="metadata"/> to send, or null for none. Names must be C# identifiers (Azure's rule) in
    /// US-ASCII and differ in more than case (Azure's names are case-insensitive); values are printable US-ASCII
    /// without leading or trailing spaces, which HTTP would trim.
    /// </summary>
    public static Dictionary<string, string>? Validate(IReadOnlyDictionary<string, string>? metadata, string paramName)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.OrdinalIgnoreCase);
        var total = 0;
        foreach (var (name, value) in metadata)
        {
            if (!IsIdentifier(name))
            {
                throw new ArgumentException(
                    $"The metadata name '{name}' is not stored by Azure; names are C# identifiers: a letter or '_', then letters, digits and '_'.",
                    paramName);
            }

            if (value is null)
            {
                throw new ArgumentException($"The metadata value of '{name}' is null.", paramName);
            }

            if (!value.All(c => c is >= ' ' and <= '~') || value.StartsWith(' ') || value.EndsWith(' '))
            {
                throw new ArgumentException(
                    $"The metadata value of '{name}' has characters Azure does not store as written; values are printable US-ASCII without leading or trailing spaces.",
                    paramName);
            }

            if (!copy.TryAdd(name, value))
            {
                throw new ArgumentException($"The metadata names '{name}' and another differ only in case; Azure's names are case-insensitive.", paramName);
            }

            total += name.Length + value.Length;
        }

        if (total > MaxTotalSize)
        {
            throw new ArgumentException($"The metadata takes {total} bytes; Azure stores at most {MaxTotalSize}.", paramName);
        }

        return copy;
    }

    /// <summary>Refuses a content type that cannot travel as an HTTP header value.</summary>
    public static void ValidateContentType(string? contentType, string paramName)
    {
        if (contentType is not null && (contentType.Length == 0 || !contentType.All(c => c is >= ' ' and <= '~') || contentType.Trim().Length != contentType.Length))
        {
            throw new ArgumentException("The content type is not stored by Azure as written; it is printable US-ASCII without leading or trailing spaces.", paramName);
        }
    }

    /// <summary>Metadata as Azure returned it, read-only; names are looked up case-insensitively, as Azure treats them.</summary>
    public static IReadOnlyDictionary<string, string> Read(IDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return ReadOnlyDictionary<string, string>.Empty;
        }

        return new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase).AsReadOnly();
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
