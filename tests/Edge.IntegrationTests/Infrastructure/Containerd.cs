namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// A private containerd (own root, state and socket under /tmp/edge-ct-*, CRI disabled) driven with <c>ctr</c>.
/// Pulls use the native snapshotter (no mounts) and a hosts directory.
/// </summary>
public sealed class Containerd : IAsyncDisposable
{
    private const string Namespace = "edge-test";
    private readonly TempDirectory _directory;
    private ManagedProcess? _process;

    private Containerd(TempDirectory directory)
    {
        _directory = directory;
        Address = directory.Combine("c.sock");
    }

    /// <summary>The gRPC unix socket path.</summary>
    public string Address { get; }

    /// <summary>Per-command time limit for ctr.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>containerd's log.</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts containerd and waits (bounded) until <c>ctr version</c> answers.</summary>
    public static async Task<Containerd> StartAsync(TimeSpan? timeout = null)
    {
        Prerequisites.Require("containerd", "ctr");
        var containerd = new Containerd(new TempDirectory("edge-ct-", "/tmp"));
        try
        {
            await containerd.StartCoreAsync(timeout ?? TimeSpan.FromSeconds(30));
            return containerd;
        }
        catch
        {
            await containerd.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// <c>ctr images pull --snapshotter native --hosts-dir DIR [--user u:p] reference</c>. The reference must be fully
    /// qualified (docker.io/library/x:1); ctr does not normalize.
    /// </summary>
    public Task<CommandResult> PullAsync(string reference, string hostsDir, string? user = null, string? password = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        ArgumentException.ThrowIfNullOrEmpty(hostsDir);
        List<string> args = ["images", "pull", "--snapshotter", "native", "--hosts-dir", hostsDir];
        if (user is not null)
        {
            args.AddRange(["--user", user + ":" + (password ?? string.Empty)]);
        }

        args.Add(reference);
        return CtrAsync([.. args]);
    }

    /// <summary>Digest (of the manifest or index the tag resolved to) of a pulled image, from <c>ctr images ls</c>; null if absent.</summary>
    public async Task<string?> ImageDigestAsync(string reference)
    {
        var list = await CtrAsync("images", "ls");
        list.EnsureSuccess();
        foreach (var line in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1))
        {
            var columns = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length >= 3 && columns[0] == reference)
            {
                return columns[2];
            }
        }

        return null;
    }

    /// <summary><c>ctr images rm</c>.</summary>
    public Task<CommandResult> RemoveImageAsync(string reference) => CtrAsync("images", "rm", "--sync", reference);

    /// <summary>Runs any ctr subcommand against this containerd (namespace edge-test).</summary>
    public Task<CommandResult> CtrAsync(params string[] arguments)
    {
        List<string> args = ["--address", Address, "--namespace", Namespace, .. arguments];
        return CommandRunner.RunAsync("ctr", args, CommandTimeout, ProxyFreeEnvironment());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
            _process.Dispose();
        }

        _directory.Dispose();
    }

    private static Dictionary<string, string?> ProxyFreeEnvironment() => new(StringComparer.Ordinal)
    {
        ["HTTP_PROXY"] = null,
        ["HTTPS_PROXY"] = null,
        ["http_proxy"] = null,
        ["https_proxy"] = null,
        ["CONTAINERD_ADDRESS"] = null,
        ["CONTAINERD_NAMESPACE"] = null,
        ["CONTAINERD_SNAPSHOTTER"] = null,
    };

    private async Task StartCoreAsync(TimeSpan timeout)
    {
        var root = _directory.CreateSubdirectory("root");
        var state = _directory.CreateSubdirectory("state");
        var config = _directory.Combine("config.toml");
        var toml = string.Join(
            '\n',
            "version = 2",
            $"root = \"{root}\"",
            $"state = \"{state}\"",
            "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
            "[grpc]",
            $"  address = \"{Address}\"",
            "[ttrpc]",
            $"  address = \"{Address}.ttrpc\"",
            "[debug]",
            "  address = \"\"",
            "[metrics]",
            "  address = \"\"",
            "[plugins.\"io.containerd.internal.v1.opt\"]",
            $"  path = \"{_directory.Combine("opt")}\"",
            string.Empty);
        await File.WriteAllTextAsync(config, toml);
        _process = ManagedProcess.Start("containerd", ["--config", config], ProxyFreeEnvironment(), _directory.Path);
        await _process.WaitUntilAsync(
            async _ => (await CommandRunner.RunAsync("ctr", ["--address", Address, "version"], TimeSpan.FromSeconds(10))).Succeeded,
            timeout,
            "`ctr version` to answer on " + Address);
    }
}
