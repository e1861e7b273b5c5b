namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Runs the real skopeo client against 127.0.0.1 registries (TLS verification off, isolated auth file).</summary>
public sealed class Skopeo : IDisposable
{
    private readonly TempDirectory _directory = new("edge-skopeo-");
    private readonly string _authFile;
    private int _copies;

    /// <summary>Checks skopeo is installed and prepares an empty auth file (no ambient credentials).</summary>
    public Skopeo()
    {
        Prerequisites.Require("skopeo");
        _authFile = _directory.Combine("auth.json");
        File.WriteAllText(_authFile, "{\"auths\":{}}");
    }

    /// <summary>
    /// skopeo's own <c>--retry-times</c>. Default 0, so a test sees every failure; a test that plays a client which
    /// retries (as docker does for layers) sets it.
    /// </summary>
    public int RetryTimes { get; set; }

    /// <summary>Per-command time limit.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <c>skopeo copy docker://… dir:OUT</c>; <paramref name="credentials"/> is "user:password".
    /// The result's digest is sha256 of the copied manifest.json.
    /// </summary>
    public async Task<SkopeoCopyResult> CopyToDirAsync(string source, string? credentials = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        var destination = _directory.Combine("copy-" + Interlocked.Increment(ref _copies).ToString(System.Globalization.CultureInfo.InvariantCulture));
        List<string> args = ["copy", "--src-tls-verify=false", "--src-authfile", _authFile, "--retry-times", RetryTimes.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (credentials is not null)
        {
            args.AddRange(["--src-creds", credentials]);
        }

        args.AddRange([source, "dir:" + destination]);
        var result = await CommandRunner.RunAsync("skopeo", args, Timeout, Environment());
        var manifest = Path.Combine(destination, "manifest.json");
        var digest = result.Succeeded && File.Exists(manifest) ? await LayerArchive.DigestOfFileAsync(manifest) : null;
        return new SkopeoCopyResult(result, digest, destination);
    }

    /// <summary><c>skopeo inspect --raw</c>: stdout is the manifest exactly as served.</summary>
    public Task<CommandResult> InspectRawAsync(string source, string? credentials = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        List<string> args = ["inspect", "--raw", "--tls-verify=false", "--authfile", _authFile, "--retry-times", "0"];
        if (credentials is not null)
        {
            args.AddRange(["--creds", credentials]);
        }

        args.Add(source);
        return CommandRunner.RunAsync("skopeo", args, Timeout, Environment());
    }

    /// <inheritdoc />
    public void Dispose() => _directory.Dispose();

    private Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["REGISTRY_AUTH_FILE"] = _authFile,
        ["HTTP_PROXY"] = null,
        ["HTTPS_PROXY"] = null,
        ["http_proxy"] = null,
        ["https_proxy"] = null,
        ["TMPDIR"] = _directory.Path,
    };
}
