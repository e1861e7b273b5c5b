using System.Globalization;

namespace Edge.RegistryProxy.Content;

/// <summary>Reads small upstream bodies (manifests, token answers) whole, refusing anything over a limit.</summary>
internal static class BoundedBody
{
    /// <exception cref="InvalidDataException">The body is larger than <paramref name="limit"/>, or shorter than its Content-Length.</exception>
    public static async Task<byte[]> ReadAsync(HttpContent content, int limit, string what, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"the {what} is larger than {limit} bytes"));
            }

            buffer.Write(chunk, 0, read);
        }

        if (content.Headers.ContentLength is { } expected && expected != buffer.Length)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"upstream closed after {buffer.Length} of {expected} bytes of the {what}"));
        }

        return buffer.ToArray();
    }
}
