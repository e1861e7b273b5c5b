using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Edge.Tests.Shared;

/// <summary>
/// A server the tests run from an npm package under tests/tools (s3rver, Azurite): its node process on a free
/// 127.0.0.1 port with a private data directory, its output kept for failure messages, stopped, restarted on the same
/// port and data, and cleaned up. A missing node or package fails loudly, naming what installs it; it never skips.
/// </summary>
internal sealed class NodeToolServer : IAsyncDisposable
{
    private readonly string name;
    private readonly ProcessStartInfo startInfo;
    private readonly StringBuilder output = new();
    private Process? process;

    private NodeToolServer(string name, ProcessStartInfo startInfo, int port, string dataDirectory)
    {
        this.name = name;
        this.startInfo = startInfo;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    /// <summary>The server's private data directory, removed on dispose.</summary>
    public string DataDirectory { get; }

    public bool IsRunning => process is { HasExited: false };

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

    /// <summary>
    /// Starts <paramref name="scriptPath"/> (relative to tests/tools/node_modules) with node, the arguments
    /// <paramref name="arguments"/> builds from the port and data directory, and waits (at most 30 s) until it accepts
    /// connections.
    /// </summary>
    /// <param name="name">The server in messages ("s3rver").</param>
    /// <param name="scriptPath">The package's entry script under node_modules.</param>
    /// <param name="nodeOptions">Options for node itself, before the script.</param>
    /// <param name="arguments">The script's arguments for a port and a data directory.</param>
    public static async Task<NodeToolServer> StartAsync(string name, string scriptPath, IEnumerable<string> nodeOptions, Func<int, string, IEnumerable<string>> arguments)
    {
        var script = FindScript(name, scriptPath);
        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            $"node is not installed; scripts/test.sh installs it (apt package 'nodejs') for the tests' {name}.");
        var dataDirectory = Directory.CreateTempSubdirectory($"edge-{name.ToLowerInvariant()}-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in nodeOptions.Append(script).Concat(arguments(port, dataDirectory)))
        {
            start.ArgumentList.Add(argument);
        }

        var server = new NodeToolServer(name, start, port, dataDirectory);
        try
        {
            await server.LaunchAsync();
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
        await LaunchAsync();
    }

    /// <summary>Stops the server (its data stays until dispose).</summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }

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
            process?.Dispose();
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

    /// <summary>Starts the process and waits, at most 30 s, until it accepts connections; fails with its output if it
    /// exits first.</summary>
    private async Task LaunchAsync()
    {
        process?.Dispose();
        var started = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {name}.");
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        for (var i = 0; i < 300; i++)
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException($"{name} exited at start with code {started.ExitCode}: {Output}");
            }

            if (await AcceptsAsync(Port))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{name} did not listen on 127.0.0.1:{Port} within 30 s: {Output}");
    }

    private static string FindScript(string name, string scriptPath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
            {
                var script = Path.Combine(directory.FullName, "tests", "tools", "node_modules", scriptPath);
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException(
                        $"{name} is not installed at {script}; scripts/test.sh installs it (npm ci --prefix tests/tools).");
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

    private void Append(string? line)
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
