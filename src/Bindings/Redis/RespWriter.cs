using System.Buffers.Text;

namespace Edge.Bindings.Redis;

/// <summary>
/// Writes commands as RESP2 arrays of bulk strings. Small parts gather in one buffer so a pipeline of short
/// commands leaves in one write; an argument larger than the buffer (a big value) goes straight to the stream.
/// </summary>
internal sealed class RespWriter
{
    private readonly Stream stream;
    private readonly byte[] buffer = new byte[16 * 1024];
    private int used;

    public RespWriter(Stream stream) => this.stream = stream;

    /// <summary>Writes <paramref name="commands"/> and flushes the stream.</summary>
    public async ValueTask WriteAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken)
    {
        used = 0;
        foreach (var command in commands)
        {
            await HeaderAsync((byte)'*', command.Arguments.Length, cancellationToken);
            foreach (var argument in command.Arguments)
            {
                await HeaderAsync((byte)'$', argument.Length, cancellationToken);
                if (argument.Length + 2 > buffer.Length - used)
                {
                    await FlushBufferAsync(cancellationToken);
                }

                if (argument.Length + 2 > buffer.Length)
                {
                    await stream.WriteAsync(argument, cancellationToken);
                }
                else
                {
                    argument.Span.CopyTo(buffer.AsSpan(used));
                    used += argument.Length;
                }

                Crlf();
            }
        }

        await FlushBufferAsync(cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private async ValueTask HeaderAsync(byte type, int length, CancellationToken cancellationToken)
    {
        // Type byte, at most 11 digits, CRLF; and room for the CRLF after a directly written argument.
        if (buffer.Length - used < 16)
        {
            await FlushBufferAsync(cancellationToken);
        }

        buffer[used++] = type;
        Utf8Formatter.TryFormat(length, buffer.AsSpan(used), out var written);
        used += written;
        buffer[used++] = (byte)'\r';
        buffer[used++] = (byte)'\n';
    }

    private void Crlf()
    {
        buffer[used++] = (byte)'\r';
        buffer[used++] = (byte)'\n';
    }

    private async ValueTask FlushBufferAsync(CancellationToken cancellationToken)
    {
        if (used > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
            used = 0;
        }
    }
}
