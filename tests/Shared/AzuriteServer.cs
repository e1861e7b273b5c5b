using System.Globalization;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace Edge.Tests.Shared;

/// <summary>
/// A real Azure Blob storage emulator for tests: Azurite's blob service (npm, installed by scripts/test.sh under
/// tests/tools), on 127.0.0.1 and a free port, with a private workspace directory and its telemetry off. Missing node
/// or Azurite fails loudly; it never skips.
/// </summary>
/// <remarks>
/// Started with <c>--skipApiVersionCheck</c>: Azure.Storage.Blobs 12.30.1 sends service version 2026-10-06, newer than
/// the 2026-06-06 Azurite 3.37.0 knows, which it otherwise refuses. <c>--loose</c> is not needed.
/// </remarks>
internal sealed class AzuriteServer : IAsyncDisposable
{
    /// <summary>Azurite's fixed development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The fixed, published key of Azurite's development account.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly NodeToolServer server;

    private AzuriteServer(NodeToolServer server) => this.server = server;

    public int Port => server.Port;

    /// <summary>The Blob service URL of the development account, to configure as a bucket's Endpoint.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}";

    /// <summary>A connection string for the development account on this server.</summary>
    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={Endpoint};";

    /// <summary>Azurite's workspace (its database and the blobs' bytes).</summary>
    public string DataDirectory => server.DataDirectory;

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output => server.Output;

    /// <summary>A client of the development account, for tests to look at what landed in the store.</summary>
    public BlobServiceClient Client => new(new Uri(Endpoint), new StorageSharedKeyCredential(AccountName, AccountKey));

    /// <summary>Starts Azurite with the given containers created, and waits (at most 30 s) until it accepts connections.</summary>
    public static async Task<AzuriteServer> StartAsync(params string[] containers)
    {
        var azurite = new AzuriteServer(await NodeToolServer.StartAsync(
            "Azurite",
            Path.Combine("azurite", "dist", "src", "blob", "main.js"),
            [],
            (port, data) =>
            [
                "--blobHost", "127.0.0.1",
                "--blobPort", port.ToString(CultureInfo.InvariantCulture),
                "--location", data,
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
            ]));
        try
        {
            foreach (var container in containers)
            {
                await azurite.CreateContainerAsync(container);
            }

            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a container (for a test of its own).</summary>
    public async Task CreateContainerAsync(string name) => await Client.GetBlobContainerClient(name).CreateAsync();

    /// <summary>Stops the server (its workspace stays until dispose).</summary>
    public Task StopAsync() => server.StopAsync();

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
