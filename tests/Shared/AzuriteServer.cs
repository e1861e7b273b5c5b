using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
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

    private readonly StringBuilder output;
    private readonly Process process;

    private AzuriteServer(Process process, StringBuilder output, int port, string dataDirectory)
    {
        this.process = process;
        this.output = output;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    /// <summary>The Blob service URL of the development account, to configure as a bucket's Endpoint.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}";

    /// <summary>A connection string for the development account on this server.</summary>
    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={Endpoint};";

    /// <summary>Azurite's workspace (its database and the blobs' bytes).</summary>
    public string DataDirectory { get; }

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>A client of the development account, for tests to look at what landed in the store.</summary>
    public BlobServiceClient Client => new(new Uri(Endpoint), new StorageSharedKeyCredential(AccountName, AccountKey));

    /// <summary>Starts Azurite with the given containers created, and waits (at most 30 s) until it accepts connections.</summary>
    public static async Task<AzuriteServer> StartAsync(params string[] containers)
    {
        var script = FindScript();
        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            "node is not installed; scripts/test.sh installs it (apt package 'nodejs') for the Azure tests' Azurite.");
        var dataDirectory = Directory.CreateTempSubdirectory("edge-azurite-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            script,
            "--blobHost", "127.0.0.1",
            "--blobPort", port.ToString(CultureInfo.InvariantCulture),
            "--location", dataDirectory,
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--silent",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var server = new AzuriteServer(Launch(start, output), output, port, dataDirectory);
        try
        {
            await server.WaitUntilListeningAsync();
            foreach (var container in containers)
            {
                await server.CreateContainerAsync(container);
            }

            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a container (for a test of its own).</summary>
    public async Task CreateContainerAsync(string name) => await Client.GetBlobContainerClient(name).CreateAsync();

    /// <summary>Stops the server (its workspace stays until dispose).</summary>
    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            process.Dispose();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a dying process; the temp directory is cleaned by the system later.
            }
        }
    }

    private static Process Launch(ProcessStartInfo start, StringBuilder output)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits, at most 30 s, until the server accepts connections; fails with its output if it exits first.</summary>
    private async Task WaitUntilListeningAsync()
    {
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited at start with code {process.ExitCode}: {Output}");
            }

            if (await AcceptsAsync(Port))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{Port} within 30 s: {Output}");
    }

    private static string FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
            {
                var script = Path.Combine(directory.FullName, "tests", "tools", "node_modules", "azurite", "dist", "src", "blob", "main.js");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException(
                        $"Azurite is not installed at {script}; scripts/test.sh installs it (npm ci --prefix tests/tools).");
            }
        }

        throw new InvalidOperationException($"No Edge.sln above {AppContext.BaseDirectory}; cannot locate tests/tools.");
    }

    private static string? FindOnPath(string executable)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 64 * 1024)
            {
                output.AppendLine(line);
            }
        }
    }
}
