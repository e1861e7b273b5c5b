using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Edge.Host.Deploy.Compilation;

/// <summary>
/// Checks what arrives before the compiler sees it: the file's name, its size and its encoding (UTF-8, with or without
/// a byte order mark). Each problem becomes one diagnostic that says exactly what is wrong and where.
/// </summary>
internal static class SourceDecoder
{
    /// <summary>The longest file name accepted: what common file systems allow for one name.</summary>
    public const int MaxFileNameLength = 255;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Null when <paramref name="fileName"/> is a plain <c>NAME.cs</c>; otherwise the error.</summary>
    public static CompileDiagnostic? CheckFileName(string fileName)
    {
        string? problem = null;
        if (string.IsNullOrWhiteSpace(fileName))
        {
            problem = "The file name is empty";
        }
        else if (fileName.Length > MaxFileNameLength)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"The file name is {fileName.Length} characters long; at most {MaxFileNameLength} are accepted");
        }
        else if (fileName.Any(c => char.IsControl(c) || c is '/' or '\\' or ':'))
        {
            problem = "The file name must be a plain name without a folder, a drive or control characters";
        }
        else if (!fileName.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || fileName.Length == ".cs".Length)
        {
            problem = "The file name must end in .cs";
        }

        // The name is not quoted back: it may be the very thing that is malformed (control characters, a path).
        return problem is null ? null : new CompileDiagnostic(CompileSeverity.Error, CompileDiagnosticIds.InvalidFileName, problem + ".", null);
    }

    /// <summary>The error for a file over <paramref name="limit"/> bytes.</summary>
    public static CompileDiagnostic TooLarge(string fileName, long? size, int limit) =>
        new(
            CompileSeverity.Error,
            CompileDiagnosticIds.SourceTooLarge,
            size is { } known
                ? string.Create(CultureInfo.InvariantCulture, $"The file is {known} bytes; the host compiles files of at most {limit} bytes.")
                : string.Create(CultureInfo.InvariantCulture, $"The file is larger than {limit} bytes, the most the host compiles."),
            fileName);

    /// <summary>
    /// Decodes UTF-8 strictly: any invalid sequence is an error naming its line, column and byte offset, rather than a
    /// replacement character the compiler would then report somewhere confusing (or silently accept in a string).
    /// </summary>
    public static string? Decode(string fileName, ReadOnlySpan<byte> bytes, out CompileDiagnostic? error)
    {
        error = null;
        var offset = 0;
        if (bytes.StartsWith(Utf8Bom))
        {
            offset = Utf8Bom.Length;
        }

        var content = bytes[offset..];
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(content.Length, 1));
        try
        {
            // A UTF-8 sequence never decodes to more UTF-16 units than it has bytes.
            var status = Utf8.ToUtf16(content, chars, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: true);
            if (status == OperationStatus.Done)
            {
                return new string(chars, 0, written);
            }

            var decoded = chars.AsSpan(0, written);
            var line = decoded.Count('\n') + 1;
            var column = written - (decoded.LastIndexOf('\n') + 1) + 1;
            var at = offset + read;
            error = new CompileDiagnostic(CompileSeverity.Error, CompileDiagnosticIds.InvalidEncoding, Describe(bytes, at), fileName, line, column);
            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string Describe(ReadOnlySpan<byte> bytes, int at)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return "The file is not UTF-8: it starts with a UTF-16 byte order mark. Save it as UTF-8.";
        }

        return Rune.DecodeFromUtf8(bytes[at..], out _, out _) == OperationStatus.NeedMoreData
            ? string.Create(CultureInfo.InvariantCulture, $"The file is not valid UTF-8: it ends in the middle of a character (offset {at}). Save it as UTF-8.")
            : string.Create(CultureInfo.InvariantCulture, $"The file is not valid UTF-8: the byte 0x{bytes[at]:X2} at offset {at} does not start a valid sequence. Save it as UTF-8.");
    }
}
