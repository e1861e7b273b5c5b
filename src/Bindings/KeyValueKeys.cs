using System.Text;

namespace Edge.Bindings;

/// <summary>Key rules of <c>IKeyValueStore</c> and the prefix arithmetic its listing needs.</summary>
internal static class KeyValueKeys
{
    /// <summary>The longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is 1 to 512 bytes of valid UTF-8.</summary>
    public static void Validate(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        var bytes = Utf8Length(key, paramName);
        if (bytes == 0)
        {
            throw new ArgumentException("The key is empty; keys are 1 to 512 bytes of UTF-8.", paramName);
        }

        if (bytes > MaxKeyBytes)
        {
            throw new ArgumentException($"The key is {bytes} bytes of UTF-8; keys are at most {MaxKeyBytes}.", paramName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="prefix"/> is valid UTF-16 (it may be empty).</summary>
    public static void ValidatePrefix(string prefix, string paramName)
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        _ = Utf8Length(prefix, paramName);
    }

    /// <summary>
    /// The least string greater than every string starting with <paramref name="prefix"/>, in code point
    /// order (SQLite's BINARY order of UTF-8 text), or null when there is none (empty or all U+10FFFF).
    /// </summary>
    /// <remarks>
    /// It is the prefix cut after its last character below U+10FFFF, that character incremented (skipping
    /// the surrogate range). Strings between the prefix and this bound are exactly those starting with the
    /// prefix, so a range query needs no LIKE and no escaping of '%' or '_'.
    /// </remarks>
    public static string? PrefixUpperBound(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var end = prefix.Length;
        while (end > 0)
        {
            var status = Rune.DecodeLastFromUtf16(prefix.AsSpan(0, end), out var last, out var width);
            if (status != System.Buffers.OperationStatus.Done)
            {
                throw new ArgumentException("The prefix is not valid UTF-16.", nameof(prefix));
            }

            end -= width;
            if (last.Value < 0x10FFFF)
            {
                var next = last.Value + 1 == 0xD800 ? 0xE000 : last.Value + 1;
                return string.Concat(prefix.AsSpan(0, end), new Rune(next).ToString());
            }
        }

        return null;
    }

    private static int Utf8Length(string text, string paramName)
    {
        try
        {
            return StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("The text has an unpaired surrogate, so it is not valid UTF-16 and has no UTF-8 form.", paramName, ex);
        }
    }
}
