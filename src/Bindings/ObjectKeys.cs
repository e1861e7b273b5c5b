namespace Edge.Bindings;

/// <summary>Validation of object keys against the rules in the <c>IObjectBucket</c> remarks.</summary>
internal static class ObjectKeys
{
    /// <summary>The longest key, in characters.</summary>
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first rule <paramref name="key"/> breaks.</summary>
    public static void Validate(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        var problem = FindProblem(key);
        if (problem is not null)
        {
            throw new ArgumentException(problem, paramName);
        }
    }

    /// <summary>Whether <paramref name="key"/> is a valid key.</summary>
    public static bool IsValid(string key) => FindProblem(key) is null;

    /// <summary>Whether <paramref name="segment"/> may appear between slashes of a key.</summary>
    public static bool IsValidSegment(string segment) =>
        segment.Length is > 0 and <= MaxLength && !segment.Contains('/', StringComparison.Ordinal) && IsValid(segment);

    private static string? FindProblem(string key)
    {
        if (key.Length == 0)
        {
            return "The object key is empty; keys are 1 to 1024 characters.";
        }

        if (key.Length > MaxLength)
        {
            return $"The object key is {key.Length} characters long; keys are at most {MaxLength}.";
        }

        for (var i = 0; i < key.Length; i++)
        {
            if (!IsAllowed(key[i]))
            {
                return $"The object key has a forbidden character U+{(int)key[i]:X4} at index {i}; keys use only A-Z, a-z, 0-9, '.', '_', '/' and '-'.";
            }
        }

        if (key[0] == '/' || key[^1] == '/')
        {
            return "The object key starts or ends with '/'; keys are relative and name objects, not folders.";
        }

        var segmentStart = 0;
        for (var i = 0; i <= key.Length; i++)
        {
            if (i < key.Length && key[i] != '/')
            {
                continue;
            }

            var segment = key.AsSpan(segmentStart, i - segmentStart);
            if (segment.IsEmpty)
            {
                return $"The object key has an empty segment ('//') at index {segmentStart - 1}.";
            }

            if (segment is "." or "..")
            {
                return $"The object key has a '{segment}' segment at index {segmentStart}; '.' and '..' segments are forbidden.";
            }

            segmentStart = i + 1;
        }

        return null;
    }

    private static bool IsAllowed(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-';
}
