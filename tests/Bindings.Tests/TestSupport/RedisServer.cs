using Edge.Tests.Shared;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Edge.Bindings.Tests.TestSupport;

/// <summary>
/// A real <c>redis-server</c> on 127.0.0.1 (no persistence, its own directory), for the Redis key-value tests; or a
/// Sentinel (Debian's <c>redis-sentinel</c>) watching
/// one. Never skips: a missing <c>redis-server</c> fails the test, naming the apt package scripts/test.sh installs.
/// Can be stopped (killed, like a crash) and started again on the same port, or paused (SIGSTOP) to hang.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly IReadOnlyList<string> extraArguments;
    private readonly string? sentinelConfig;
    private readonly StringBuilder output = new();
    private readonly Lock outputGate = new();
    private Process? process;
    private ConnectionMultiplexer? admin;

    private RedisServer(int port, bool tls, IReadOnlyList<string> extraArguments, string? sentinelConfig = null)
    {
        Port = port;
        Tls = tls;
        this.extraArguments = extraArguments;
        this.sentinelConfig = sentinelConfig;
    }

    public int Port { get; }

    public bool Tls { get; }

    /// <summary>Whether this is a Sentinel rather than a Redis server.</summary>
    public bool IsSentinel => sentinelConfig is not null;

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

    /// <summary>
    /// Starts a Sentinel watching <paramref name="primary"/> as <paramref name="service"/>, quorum 1, deciding fast
    /// (down after 500 ms, failover timeout 2 s); <paramref name="settings"/> are more lines of its configuration,
    /// such as <c>requirepass</c> or <c>sentinel auth-pass SERVICE PASSWORD</c>.
    /// </summary>
    public static async Task<RedisServer> StartSentinelAsync(string service, RedisServer primary, params string[] settings)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var config = string.Join(
            '\n',
            [
                string.Create(CultureInfo.InvariantCulture, $"sentinel monitor {service} 127.0.0.1 {primary.Port} 1"),
                $"sentinel down-after-milliseconds {service} 500",
                $"sentinel failover-timeout {service} 2000",
                .. settings,
            ]);
        var sentinel = new RedisServer(FreePort(), tls: false, [], config + "\n");
        try
        {
            await sentinel.StartAgainAsync();
            return sentinel;
        }
        catch
        {
            sentinel.Dispose();
            throw;
        }
    }

    /// <summary>Starts the server again on the same port, after <see cref="Kill"/>.</summary>
    public async Task StartAgainAsync()
    {
        // Sentinels run as Debian's redis-sentinel (apt package 'redis-sentinel'), as a user would run them.
        var executable = sentinelConfig is not null
            ? FindOnPath("redis-sentinel") ?? throw new InvalidOperationException(
                "redis-sentinel is not installed (apt package 'redis-sentinel'); scripts/test.sh installs it. The Sentinel tests never skip.")
            : FindOnPath("redis-server") ?? throw new InvalidOperationException(
                "redis-server is not installed (apt package 'redis-server'); scripts/test.sh installs it. The Redis key-value tests never skip.");
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        IEnumerable<string> arguments;
        if (sentinelConfig is not null)
        {
            // A Sentinel rewrites its configuration file as it learns the topology, so it gets one of its own.
            var path = directory.Combine("sentinel.conf");
            if (!File.Exists(path))
            {
                await File.WriteAllTextAsync(path, sentinelConfig);
            }

            arguments = [path, "--bind", "127.0.0.1", "--port", port, "--dir", directory.Path, "--daemonize", "no"];
        }
        else
        {
            string[] common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.Path, "--daemonize", "no"];
            string[] listen = Tls ? ["--port", "0", "--tls-port", port] : ["--port", port];
            arguments = common.Concat(listen).Concat(extraArguments);
        }

        foreach (var argument in arguments)
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

    /// <summary>
    /// This server (or Sentinel) through a connection of the test's own with admin rights, opened on first use and
    /// kept; <paramref name="password"/> is the one its first use authenticates with.
    /// </summary>
    public async Task<IServer> AdminAsync(string? password = null)
    {
        if (admin is null)
        {
            var options = new ConfigurationOptions
            {
                AbortOnConnectFail = false,
                AllowAdmin = true,
                ConnectTimeout = 5000,
                AsyncTimeout = 5000,
                Password = password,
                ConfigurationChannel = string.Empty,
                TieBreaker = string.Empty,
                CommandMap = IsSentinel ? CommandMap.Sentinel : CommandMap.Default,
            };
            options.EndPoints.Add(IPAddress.Loopback, Port);
            admin = await ConnectionMultiplexer.ConnectAsync(options);
        }

        return admin.GetServer(IPAddress.Loopback, Port);
    }

    /// <summary>Sends one command to this server (or Sentinel) through <see cref="AdminAsync"/>'s connection.</summary>
    public async Task<RedisResult> CommandAsync(string command, object[] arguments, string? password = null) =>
        await (await AdminAsync(password)).ExecuteAsync(command, arguments);

    /// <summary>Pauses the server (SIGSTOP): its sockets stay open and it answers nothing until <see cref="Resume"/>.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

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
        admin?.Dispose();
        Kill();
        directory.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        var target = process ?? throw new InvalidOperationException("The server is not running.");
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, target.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {target.Id} exited with {kill.ExitCode}.");
        }
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
