using System.Globalization;
using System.Net;
using System.Text;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// Our <c>edge</c> executable as a real process: <c>dotnet edge.dll serve --urls http://127.0.0.1:PORT --Edge:DataDirectory=DIR --Key=Value…</c>.
/// Ready when <c>GET /_edge/health</c> returns 200. Can be stopped/killed and started again on the same port and data directory.
/// </summary>
public sealed class EdgeProcess : IAsyncDisposable
{
    private string _command = "serve";
    private readonly Dictionary<string, string> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string?> _environment = new(StringComparer.Ordinal);
    private readonly List<string> _extraArguments = [];
    private readonly StringBuilder _previousOutput = new();
    private TempDirectory? _ownedDataDirectory;
    private string? _dataDirectory;
    private TimeSpan _startTimeout = TimeSpan.FromSeconds(60);
    private ManagedProcess? _process;

    private EdgeProcess(int port) => Port = port;

    /// <summary>TCP port on 127.0.0.1 (fixed for the lifetime of this object, across restarts).</summary>
    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT.</summary>
    public string Url => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>host:port, for image references.</summary>
    public string Host => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The --Edge:DataDirectory value (a temp directory unless set).</summary>
    public string DataDirectory => _dataDirectory ??= (_ownedDataDirectory = new TempDirectory("edge-data-")).Path;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id (the dotnet host runs edge in its own process), for /proc sampling; null when not running.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>stdout+stderr of every run so far (assert that no secret appears here).</summary>
    public string Output => _previousOutput + (_process?.Output ?? string.Empty);

    /// <summary>The command-line arguments the next start will use (after the dll path). <c>access</c> listens
    /// with <c>--listen 127.0.0.1:PORT</c> and has no data directory.</summary>
    public IReadOnlyList<string> Arguments => _command == "access"
        ?
        [
            _command,
            "--listen", Host,
            .. _settings.Select(kv => $"--{kv.Key}={kv.Value}"),
            .. _extraArguments,
        ]
        :
        [
            _command,
            "--urls", Url,
            "--Edge:DataDirectory=" + DataDirectory,
            .. _settings.Select(kv => $"--{kv.Key}={kv.Value}"),
            .. _extraArguments,
        ];

    /// <summary>Describes an edge process on a fresh free port (not started).</summary>
    public static EdgeProcess Create() => new(FreePort.Next());

    /// <summary>Runs another edge command than <c>serve</c> (e.g. <c>relay</c>).</summary>
    public EdgeProcess WithCommand(string command)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        _command = command;
        return this;
    }

    /// <summary>Uses <paramref name="directory"/> as data directory (not deleted on dispose).</summary>
    public EdgeProcess WithDataDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _dataDirectory = directory;
        return this;
    }

    /// <summary>Adds a configuration override, e.g. ("Registry:Upstreams:docker:Url", "http://127.0.0.1:5001").</summary>
    public EdgeProcess WithSetting(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _settings[key] = value;
        return this;
    }

    /// <summary>Adds configuration overrides.</summary>
    public EdgeProcess WithSettings(IEnumerable<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
        {
            WithSetting(key, value);
        }

        return this;
    }

    /// <summary>Appends raw arguments after the settings.</summary>
    public EdgeProcess WithArguments(params string[] arguments)
    {
        _extraArguments.AddRange(arguments);
        return this;
    }

    /// <summary>Sets (or with null removes) an environment variable for the process.</summary>
    public EdgeProcess WithEnvironment(string name, string? value)
    {
        _environment[name] = value;
        return this;
    }

    /// <summary>How long to wait for /_edge/health.</summary>
    public EdgeProcess WithStartTimeout(TimeSpan timeout)
    {
        _startTimeout = timeout;
        return this;
    }

    /// <summary>Starts (or restarts, same port and data directory) and waits for GET /_edge/health to return 200.</summary>
    public async Task<EdgeProcess> StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"edge on {Url} is already running.");
        }

        if (_process is not null)
        {
            _previousOutput.Append(_process.Output);
            _process.Dispose();
            _process = null;
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "edge.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} not found; the test project must reference src/EdgeHost.");
        }

        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
            ["DOTNET_URLS"] = null,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (key, value) in _environment)
        {
            environment[key] = value;
        }

        _process = ManagedProcess.Start(DotnetHost(), [dll, .. Arguments], environment, AppContext.BaseDirectory);
        await _process.WaitForHttpAsync(Url + "/_edge/health", r => r.StatusCode == HttpStatusCode.OK, _startTimeout);
        return this;
    }

    /// <summary>SIGTERM, bounded wait, then kill.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(15));
        }
    }

    /// <summary>Graceful stop without waiting: SIGTERM, as a service manager sends it. The process keeps running while
    /// it drains; <see cref="WaitForExitAsync"/> waits for the end.</summary>
    public void Terminate() => (_process ?? throw new InvalidOperationException("edge was not started")).Terminate();

    /// <summary>Waits (bounded) for the process to exit after <see cref="Terminate"/>; its exit code, or null if it
    /// still runs after <paramref name="timeout"/>.</summary>
    public Task<int?> WaitForExitAsync(TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException("edge was not started")).WaitForExitAsync(timeout);

    /// <summary>SIGKILL the process tree immediately.</summary>
    public void Kill() => _process?.Kill();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        _ownedDataDirectory?.Dispose();
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        Prerequisites.Require("dotnet");
        return "dotnet";
    }
}
