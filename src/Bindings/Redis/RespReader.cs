using System.Buffers.Text;
using System.Text;

namespace Edge.Bindings.Redis;

/// <summary>
/// Reads RESP2 replies from a stream through a buffer of its own. Sizes are bounded (lines to the 16 KiB
/// buffer, bulk strings, arrays, nesting), so a confused or hostile peer yields <see cref="InvalidDataException"/>, never unbounded memory.
/// </summary>
internal sealed class RespReader
{
    /// <summary>The largest bulk string accepted: values are at most 1 MiB; room for anything else Redis sends us.</summary>
    public const int MaxBulkBytes = 16 * 1024 * 1024;

    private const int MaxArrayItems = 1024 * 1024;
    private const int MaxDepth = 8;

    private readonly Stream stream;
    private readonly byte[] buffer = new byte[16 * 1024];
    private int start;
    private int end;

    public RespReader(Stream stream) => this.stream = stream;

    /// <summary>Reads one whole reply.</summary>
    /// <exception cref="EndOfStreamException">The peer closed the connection.</exception>
    /// <exception cref="InvalidDataException">The bytes are not RESP2 within our limits.</exception>
    public ValueTask<RespReply> ReadAsync(CancellationToken cancellationToken) => ReadAsync(0, cancellationToken);

    private async ValueTask<RespReply> ReadAsync(int depth, CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        if (line.Length == 0)
        {
            throw new InvalidDataException("Redis sent an empty line where a reply was expected.");
        }

        var payload = line.AsSpan(1);
        switch ((char)line[0])
        {
            case '+':
                return RespReply.Simple(Encoding.UTF8.GetString(payload));
            case '-':
                return RespReply.Error(Encoding.UTF8.GetString(payload));
            case ':':
                return RespReply.FromInteger(ParseInteger(payload));
            case '$':
            {
                var length = ParseInteger(payload);
                if (length == -1)
                {
                    return RespReply.Null;
                }

                if (length is < 0 or > MaxBulkBytes)
                {
                    throw new InvalidDataException($"Redis announced a bulk string of {length} bytes; at most {MaxBulkBytes} are accepted.");
                }

                var bytes = new byte[length];
                await ReadExactlyAsync(bytes, cancellationToken);
                var crlf = await ReadLineAsync(cancellationToken);
                if (crlf.Length != 0)
                {
                    throw new InvalidDataException("Redis sent a bulk string longer than announced.");
                }

                return RespReply.Bulk(bytes);
            }

            case '*':
            {
                var count = ParseInteger(payload);
                if (count == -1)
                {
                    return RespReply.Null;
                }

                if (count is < 0 or > MaxArrayItems || depth >= MaxDepth)
                {
                    throw new InvalidDataException($"Redis sent an array of {count} items at depth {depth}; beyond our limits.");
                }

                var items = new RespReply[count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = await ReadAsync(depth + 1, cancellationToken);
                }

                return RespReply.FromArray(items);
            }

            default:
                throw new InvalidDataException($"Redis sent a reply starting with byte 0x{line[0]:x2}, which RESP2 does not define.");
        }
    }

    private static long ParseInteger(ReadOnlySpan<byte> text) =>
        Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length
            ? value
            : throw new InvalidDataException("Redis sent a malformed integer.");

    /// <summary>The next line without its CRLF.</summary>
    private async ValueTask<byte[]> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var available = buffer.AsSpan(start, end - start);
            var lf = available[scanned..].IndexOf((byte)'\n');
            if (lf >= 0)
            {
                lf += scanned;
                if (lf == 0 || available[lf - 1] != '\r')
                {
                    throw new InvalidDataException("Redis sent a line ending without CR.");
                }

                var line = available[..(lf - 1)].ToArray();
                start += lf + 1;
                return line;
            }

            scanned = available.Length;
            await FillAsync(cancellationToken);
        }
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(end - start, destination.Length);
        buffer.AsMemory(start, buffered).CopyTo(destination);
        start += buffered;
        if (buffered < destination.Length)
        {
            // Large values go straight from the stream into their array.
            await stream.ReadExactlyAsync(destination[buffered..], cancellationToken);
        }
    }

    /// <summary>Reads more bytes after those buffered, compacting first; EOF is an error (a reply was due).</summary>
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            throw new InvalidDataException($"Redis sent a line longer than {buffer.Length} bytes.");
        }

        var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException("Redis closed the connection.");
        }

        end += read;
    }
}
