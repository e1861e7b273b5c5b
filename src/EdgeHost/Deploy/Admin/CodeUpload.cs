using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Edge.Host.Deploy.Versions;

namespace Edge.Host.Deploy.Admin;

/// <summary>
/// Writes uploaded code into a version's staging directory, streamed and bounded: one <c>.cs</c> file, or a bundle
/// (the <c>.tar.gz</c> of a built function project) whose entries must be plain files and directories inside it.
/// </summary>
internal static partial class CodeUpload
{
    /// <summary>Most files a bundle may hold.</summary>
    public const int MaxBundleFiles = 10_000;

    /// <summary>The file name a source upload keeps, or null when <paramref name="fileName"/> is not a plain
    /// <c>NAME.cs</c>.</summary>
    public static string? SourceFileName(string? fileName) =>
        fileName is not null && SourceName().IsMatch(fileName) ? fileName : null;

    /// <summary>Writes <paramref name="body"/> into <paramref name="directory"/> as <paramref name="kind"/> code.</summary>
    /// <exception cref="CodeException">Too large, not a bundle, or an entry that escapes the directory.</exception>
    public static async Task WriteAsync(CodeKind kind, string? fileName, Stream body, string directory, long maxBytes, CancellationToken cancellationToken)
    {
        if (kind == CodeKind.Source)
        {
            var name = SourceFileName(fileName) ?? throw new CodeException($"the source file must be named NAME.cs (letters, digits, '.', '-', '_'), not '{fileName}'");
            await using var file = File.Create(Path.Combine(directory, name));
            await CopyBoundedAsync(body, file, maxBytes, cancellationToken);
            return;
        }

        long total = 0;
        var files = 0;
        try
        {
            await using var gzip = new GZipStream(body, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            for (var entry = await tar.GetNextEntryAsync(cancellationToken: cancellationToken); entry is not null; entry = await tar.GetNextEntryAsync(cancellationToken: cancellationToken))
            {
                var relative = entry.Name.Replace('\\', '/').TrimStart('.').TrimStart('/');
                if (relative.Length == 0 && entry.EntryType == TarEntryType.Directory)
                {
                    continue;
                }

                var target = Path.GetFullPath(Path.Combine(directory, relative));
                if (Path.IsPathRooted(entry.Name) || !target.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new CodeException($"the bundle entry '{entry.Name}' points outside the bundle");
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        if (++files > MaxBundleFiles)
                        {
                            throw new CodeException($"the bundle holds more than {MaxBundleFiles} files");
                        }

                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        await using (var file = File.Create(target))
                        {
                            if (entry.DataStream is { } data)
                            {
                                total += await CopyBoundedAsync(data, file, maxBytes - total, cancellationToken);
                            }
                        }

                        break;
                    case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                        break;
                    default:
                        throw new CodeException($"the bundle entry '{entry.Name}' is a {entry.EntryType}; only files and directories are accepted");
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new CodeException($"the bundle is not a readable .tar.gz ({ex.Message})");
        }

        if (files == 0)
        {
            throw new CodeException("the bundle holds no files");
        }
    }

    private static async Task<long> CopyBoundedAsync(Stream from, Stream to, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long copied = 0;
        for (var read = await from.ReadAsync(buffer, cancellationToken); read > 0; read = await from.ReadAsync(buffer, cancellationToken))
        {
            copied += read;
            if (copied > maxBytes)
            {
                throw new CodeException($"the code is larger than the host's limit (Edge:Deploy:MaxCodeBytes)");
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return copied;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\.cs$", RegexOptions.CultureInvariant)]
    private static partial Regex SourceName();
}
