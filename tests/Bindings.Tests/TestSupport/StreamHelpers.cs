namespace Edge.Bindings.Tests.TestSupport;

/// <summary>Small-data conveniences for tests (never used for the large-object test).</summary>
internal static class StreamHelpers
{
    public static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + seed);
        }

        return bytes;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes, stopping early at the current end of a growing file.</summary>
    public static async Task<byte[]> ReadAvailableAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total));
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return buffer[..total];
    }
}
