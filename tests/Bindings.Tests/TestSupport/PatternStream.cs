namespace Edge.Bindings.Tests.TestSupport;

/// <summary>A read-only stream of <see cref="StreamHelpers.Pattern"/>-like bytes, generated as read (no big array).</summary>
internal sealed class PatternStream(long length) : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - position);
        for (var i = 0; i < n; i++)
        {
            buffer[offset + i] = (byte)(((position + i) * 31) ^ ((position + i) >> 13));
        }

        position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
