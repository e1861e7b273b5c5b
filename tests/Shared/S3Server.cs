using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

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

    private readonly ProcessStartInfo startInfo;
    private readonly StringBuilder output;
    private Process process;

    private S3Server(ProcessStartInfo startInfo, Process process, StringBuilder output, int port, string dataDirectory)
    {
        this.startInfo = startInfo;
        this.process = process;
        this.output = output;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    /// <summary>The service URL to configure as a bucket's Endpoint.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Where s3rver keeps its buckets, one directory each.</summary>
    public string DataDirectory { get; }

    public bool IsRunning => !process.HasExited;

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

    /// <summary>Starts s3rver with the given buckets created, and waits (at most 30 s) until it accepts connections.</summary>
    public static async Task<S3Server> StartAsync(params string[] buckets)
    {
        var script = FindScript();
        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            "node is not installed; scripts/test.sh installs it (apt package 'nodejs') for the S3 tests' s3rver.");
        var dataDirectory = Directory.CreateTempSubdirectory("edge-s3rver-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
        foreach (var argument in new[] { "--openssl-legacy-provider", script, "-d", dataDirectory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var bucket in buckets)
        {
            start.ArgumentList.Add("--configure-bucket");
            start.ArgumentList.Add(bucket);
        }

        var output = new StringBuilder();
        var server = new S3Server(start, Launch(start, output), output, port, dataDirectory);
        try
        {
            await server.WaitUntilListeningAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped server again on the same port and data, as after an outage.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        process.Dispose();
        process = Launch(startInfo, output);
        await WaitUntilListeningAsync();
    }

    /// <summary>Stops the server (its data stays until dispose).</summary>
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
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start s3rver.");
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
                throw new InvalidOperationException($"s3rver exited at start with code {process.ExitCode}: {Output}");
            }

            if (await AcceptsAsync(Port))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"s3rver did not listen on 127.0.0.1:{Port} within 30 s: {Output}");
    }

    private static string FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
            {
                var script = Path.Combine(directory.FullName, "tests", "tools", "node_modules", "s3rver", "bin", "s3rver.js");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException(
                        $"s3rver is not installed at {script}; scripts/test.sh installs it (npm ci --prefix tests/tools).");
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
