using System.Text.Json;
using System.Text.Json.Nodes;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// A private dockerd (vfs storage, no iptables, no bridge; data, exec-root and socket under /tmp/edge-dk-*) used for pulls only,
/// driven by the docker CLI with a per-instance <c>--config</c> directory.
/// </summary>
public sealed class Dockerd : IAsyncDisposable
{
    private readonly DockerdOptions _options;
    private readonly TempDirectory _directory;
    private ManagedProcess? _process;

    private Dockerd(DockerdOptions options, TempDirectory directory)
    {
        _options = options;
        _directory = directory;
        Socket = directory.Combine("d.sock");
        ClientConfigDirectory = directory.CreateSubdirectory("client");
    }

    /// <summary>The daemon's unix socket path.</summary>
    public string Socket { get; }

    /// <summary>docker -H value (unix://SOCKET).</summary>
    public string Host => "unix://" + Socket;

    /// <summary>docker CLI --config directory (holds config.json with credentials after login).</summary>
    public string ClientConfigDirectory { get; }

    /// <summary>dockerd's log.</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts dockerd and waits (bounded) until <c>docker info</c> works.</summary>
    public static async Task<Dockerd> StartAsync(DockerdOptions? options = null)
    {
        Prerequisites.Require("dockerd", "docker");
        var dockerd = new Dockerd(options ?? new DockerdOptions(), new TempDirectory("edge-dk-", "/tmp"));
        try
        {
            await dockerd.StartCoreAsync();
            return dockerd;
        }
        catch
        {
            await dockerd.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>docker pull reference</c>.</summary>
    public Task<CommandResult> PullAsync(string reference) => DockerAsync("pull", reference);

    /// <summary>RepoDigests of a local image (repo@sha256:…); empty if the image is absent.</summary>
    public async Task<IReadOnlyList<string>> RepoDigestsAsync(string reference)
    {
        var result = await DockerAsync("image", "inspect", "--format", "{{json .RepoDigests}}", reference);
        if (!result.Succeeded)
        {
            return [];
        }

        var array = JsonNode.Parse(result.StandardOutput.Trim()) as JsonArray;
        return array?.Select(n => n?.GetValue<string>()).OfType<string>().ToList() ?? [];
    }

    /// <summary><c>docker login server -u user --password-stdin</c> (credentials stored in this instance's config dir).</summary>
    public Task<CommandResult> LoginAsync(string server, string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(server);
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        return RunDockerAsync(["login", server, "--username", user, "--password-stdin"], password + "\n");
    }

    /// <summary><c>docker logout server</c>.</summary>
    public Task<CommandResult> LogoutAsync(string server) => DockerAsync("logout", server);

    /// <summary><c>docker image rm --force reference</c>.</summary>
    public Task<CommandResult> RemoveImageAsync(string reference) => DockerAsync("image", "rm", "--force", reference);

    /// <summary>Runs any docker CLI command against this daemon.</summary>
    public Task<CommandResult> DockerAsync(params string[] arguments) => RunDockerAsync(arguments, null);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(15));
            _process.Dispose();
        }

        ProcessReaper.KillByCommandLine(_directory.Path);
        _directory.Dispose();
    }

    private Task<CommandResult> RunDockerAsync(IEnumerable<string> arguments, string? standardInput)
    {
        List<string> args = ["--config", ClientConfigDirectory, "-H", Host, .. arguments];
        return CommandRunner.RunAsync("docker", args, _options.CommandTimeout, CleanEnvironment(), standardInput);
    }

    private static Dictionary<string, string?> CleanEnvironment() => new(StringComparer.Ordinal)
    {
        ["DOCKER_HOST"] = null,
        ["DOCKER_CONTEXT"] = null,
        ["DOCKER_CONFIG"] = null,
        ["DOCKER_TLS_VERIFY"] = null,
        ["DOCKER_CERT_PATH"] = null,
        ["HTTP_PROXY"] = null,
        ["HTTPS_PROXY"] = null,
        ["http_proxy"] = null,
        ["https_proxy"] = null,
        ["NO_PROXY"] = null,
        ["no_proxy"] = null,
    };

    private async Task StartCoreAsync()
    {
        var daemonJson = new JsonObject
        {
            ["storage-driver"] = "vfs",
            ["iptables"] = false,
            ["ip6tables"] = false,
            ["bridge"] = "none",
            ["registry-mirrors"] = new JsonArray([.. _options.RegistryMirrors.Select(m => (JsonNode?)JsonValue.Create(m))]),
            ["insecure-registries"] = new JsonArray([.. _options.InsecureRegistries.Select(m => (JsonNode?)JsonValue.Create(m))]),
            ["max-download-attempts"] = 1,
        };
        var configFile = _directory.Combine("daemon.json");
        await File.WriteAllTextAsync(configFile, daemonJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        string[] args =
        [
            "--data-root", _directory.CreateSubdirectory("data"),
            "--exec-root", _directory.CreateSubdirectory("x"),
            "-H", Host,
            "--pidfile", _directory.Combine("dockerd.pid"),
            "--config-file", configFile,
        ];
        _process = ManagedProcess.Start("dockerd", args, CleanEnvironment(), _directory.Path);
        await _process.WaitUntilAsync(
            async _ => (await RunDockerAsync(["info", "--format", "{{.ServerVersion}}"], null)).Succeeded,
            _options.StartTimeout,
            "`docker info` to answer on " + Host);
    }
}
