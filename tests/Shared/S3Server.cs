using System.Globalization;

namespace Edge.Tests.Shared;

/// <summary>
/// A real S3-compatible server for tests: s3rver (npm, installed by scripts/test.sh under tests/tools), on 127.0.0.1
/// with a private data directory. Missing node or s3rver fails loudly; it never skips.
/// </summary>
internal sealed class S3Server : IAsyncDisposable
{
    /// <summary>s3rver's fixed credentials.</summary>
    public const string AccessKey = "S3RVER";

    /// <summary>s3rver's fixed credentials.</summary>
    public const string SecretKey = "S3RVER";

    private readonly NodeToolServer server;

    private S3Server(NodeToolServer server) => this.server = server;

    public int Port => server.Port;

    /// <summary>The service URL to configure as a bucket's Endpoint.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Where s3rver keeps its buckets, one directory each.</summary>
    public string DataDirectory => server.DataDirectory;

    public bool IsRunning => server.IsRunning;

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output => server.Output;

    /// <summary>Starts s3rver with the given buckets created, and waits (at most 30 s) until it accepts connections.</summary>
    public static async Task<S3Server> StartAsync(params string[] buckets) => new(await NodeToolServer.StartAsync(
        "s3rver",
        Path.Combine("s3rver", "bin", "s3rver.js"),
        // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
        ["--openssl-legacy-provider"],
        (port, data) => new[] { "-d", data, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--silent" }
            .Concat(buckets.SelectMany(bucket => new[] { "--configure-bucket", bucket }))));

    /// <summary>Starts the stopped server again on the same port and data, as after an outage.</summary>
    public Task RestartAsync() => server.RestartAsync();

    /// <summary>Stops the server (its data stays until dispose).</summary>
    public Task StopAsync() => server.StopAsync();

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
