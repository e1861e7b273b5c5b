using Edge.Tests.Shared;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Edge.Bindings.Tests.TestSupport;

/// <summary>
/// A real <c>redis-server</c> on 127.0.0.1 (no persistence, its own directory), for the Redis key-value tests.
/// Never skips: a missing <c>redis-server</c> fails the test, naming the apt package scripts/test.sh installs.
/// Can be stopped (killed, like a crash) and started again on the same port.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly IReadOnlyList<string> extraArguments;
    private readonly StringBuilder output = new();
    private readonly Lock outputGate = new();
    private Process? process;

    private RedisServer(int port, bool tls, IReadOnlyList<string> extraArguments)
    {
        Port = port;
        Tls = tls;
        this.extraArguments = extraArguments;
    }

    public int Port { get; }

    public bool Tls { get; }

    /// <summary>The server's directory, for files such as certificates.</summary>
    public TempDirectory Directory => directory;

    /// <summary><c>redis://127.0.0.1:PORT</c> (or <c>rediss://</c>).</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"{(Tls ? "rediss" : "redis")}://127.0.0.1:{Port}");

    /// <summary>Everything the server printed, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (outputGate)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts a server; <paramref name="arguments"/> are extra <c>redis-server</c> options such as
    /// <c>--requirepass</c>.</summary>
    public static Task<RedisServer> StartAsync(params string[] arguments) => StartAsync(tls: false, arguments);

    /// <summary>Starts a server; with <paramref name="tls"/> the port speaks TLS only (<paramref name="arguments"/>
    /// must then name the certificate files).</summary>
    public static async Task<RedisServer> StartAsync(bool tls, params string[] arguments)
    {
        var server = new RedisServer(FreePort(), tls, arguments);
        try
        {
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts the server again on the same port, after <see cref="Kill"/>.</summary>
    public async Task StartAgainAsync()
    {
        var executable = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed (apt package 'redis-server'); scripts/test.sh installs it. The Redis key-value tests never skip.");
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.Path, "--daemonize", "no"];
        string[] listen = Tls ? ["--port", "0", "--tls-port", port] : ["--port", port];
        foreach (var argument in common.Concat(listen).Concat(extraArguments))
        {
            info.ArgumentList.Add(argument);
        }

        var started = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;

        // Ready once the port accepts connections: at most 100 tries, 50 ms apart.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (started.HasExited)
            {
                break;
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        Kill();
        throw new InvalidOperationException($"redis-server did not accept connections on port {port}.{Environment.NewLine}{Output}");
    }

    /// <summary>Kills the server (SIGKILL, as a crash) and waits until it is gone.</summary>
    public void Kill()
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
        process = null;
    }

    public void Dispose()
    {
        Kill();
        directory.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string executable)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (outputGate)
            {
                output.AppendLine(line);
            }
        }
    }
}
