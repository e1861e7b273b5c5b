using System.Globalization;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on 127.0.0.1 with a password, no persistence and a directory of its own; queried with
/// <c>redis-cli</c> (the password passed in the environment, never on a command line). Can be killed and started
/// again on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("edge-redis-");
    private ManagedProcess? _process;

    private RedisServer(int port, string password)
    {
        Port = port;
        Password = password;
    }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The <c>requirepass</c> password.</summary>
    public string Password { get; }

    /// <summary><c>redis://127.0.0.1:PORT</c>, without credentials.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"redis://127.0.0.1:{Port}");

    /// <summary>What the server printed.</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts a server requiring <paramref name="password"/>. Fails loudly when redis-server or redis-cli is missing.</summary>
    public static async Task<RedisServer> StartNewAsync(string password)
    {
        Prerequisites.Require("redis-server", "redis-cli");
        var server = new RedisServer(FreePort.Next(), password);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again, after <see cref="Kill"/>) and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        _process?.Dispose();
        // The password goes in through a config file only this user can read, not on the command line.
        var config = _directory.Combine("redis.conf");
        await File.WriteAllTextAsync(config, $"requirepass \"{Password}\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _process = ManagedProcess.Start(
            "redis-server",
            [config, "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--dir", _directory.Path, "--daemonize", "no"]);
        await _process.WaitForTcpPortAsync(Port, TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGKILL, as a crash.</summary>
    public void Kill() => _process?.Kill();

    /// <summary>Runs <c>redis-cli</c> with <paramref name="arguments"/>; stdout is the reply, one item a line.</summary>
    public async Task<CommandResult> CliAsync(params string[] arguments)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["REDISCLI_AUTH"] = Password };
        return (await CommandRunner.RunAsync(
            "redis-cli",
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. arguments],
            TimeSpan.FromSeconds(30),
            environment)).EnsureSuccess();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
