using System.Security.Cryptography;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>A download read in steps, hashing as it goes, so a test can act while it is in flight.</summary>
internal sealed class Downloads : IDisposable
{
    private readonly Stream _body;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[64 * 1024];

    private Downloads(Stream body) => _body = body;

    public long Received { get; private set; }

    /// <summary>Starts <c>/download?mb=N</c> through the relay; returns once the response headers arrived.</summary>
    public static async Task<(HttpResponseMessage Response, Downloads Reader)> StartAsync(PublicClient client, int megabytes)
    {
        var response = await client.SendAsync("app.test", $"/download?mb={megabytes}");
        Assert.Equal(200, (int)response.StatusCode);
        return (response, new Downloads(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>Reads until at least <paramref name="bytes"/> have arrived in total (or the body ends).</summary>
    public async Task ReadUntilAsync(long bytes, TimeSpan pausePerChunk = default)
    {
        while (Received < bytes)
        {
            var read = await _body.ReadAsync(_buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (read == 0)
            {
                return;
            }

            _hash.AppendData(_buffer, 0, read);
            Received += read;
            if (pausePerChunk > TimeSpan.Zero)
            {
                await Task.Delay(pausePerChunk);
            }
        }
    }

    /// <summary>Reads the rest slowly and returns the hex SHA-256 of the whole body.</summary>
    public async Task<string> FinishAsync(TimeSpan pausePerChunk)
    {
        await ReadUntilAsync(long.MaxValue, pausePerChunk);
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }
    public void Dispose()
    {
        _body.Dispose();
        _hash.Dispose();
    }
}
