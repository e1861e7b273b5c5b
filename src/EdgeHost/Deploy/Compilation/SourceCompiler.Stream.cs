using System.Buffers;

namespace Edge.Host.Deploy.Compilation;

internal sealed partial class SourceCompiler
{
    /// <summary>
    /// Reads at most <see cref="SourceCompilerOptions.MaxSourceBytes"/> (plus one, to tell a file at the limit from one
    /// over it) from <paramref name="source"/> and compiles it. A larger file is refused without being read further.
    /// </summary>
    /// <param name="fileName">The file's name as the user gave it (<c>hello.cs</c>): errors and stack traces name it.</param>
    /// <param name="source">The file's bytes, UTF-8.</param>
    /// <param name="handlerType">The handler class to deploy when the file has several: its name, full name or metadata name.</param>
    /// <param name="cancellationToken">Stops the read or the compile (<see cref="OperationCanceledException"/>).</param>
    public async Task<SourceCompileResult> CompileAsync(string fileName, Stream source, string? handlerType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var started = _time.GetTimestamp();
        if (SourceDecoder.CheckFileName(fileName) is { } badName)
        {
            return Rejected(fileName, SourceCompileError.InvalidFileName, badName, started);
        }

        var limit = _options.MaxSourceBytes;
        if (source.CanSeek && source.Length - source.Position > limit)
        {
            return Rejected(fileName, SourceCompileError.SourceTooLarge, SourceDecoder.TooLarge(fileName, source.Length - source.Position, limit), started);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit, 64 * 1024) + 1);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        return Rejected(fileName, SourceCompileError.SourceTooLarge, SourceDecoder.TooLarge(fileName, null, limit), started);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)limit + 1, buffer.Length * 2L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await source.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    return Rejected(fileName, SourceCompileError.SourceTooLarge, SourceDecoder.TooLarge(fileName, null, limit), started);
                }
            }

            return CompileCore(fileName, buffer.AsSpan(0, length), handlerType, started, log: true, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
