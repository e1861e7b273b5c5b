using System.Globalization;
using System.Net;
using System.Text;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// A real CNCF distribution (<c>docker-registry serve</c>) on 127.0.0.1 with filesystem storage in a temp directory.
/// Can be stopped/killed and started again on the same port with the same data.
/// </summary>
public sealed class DistributionRegistry : IAsyncDisposable, IDisposable
{
    private readonly DistributionRegistryOptions _options;
    private readonly TempDirectory _directory = new("edge-registry-");
    private readonly StringBuilder _previousOutput = new();
    private ManagedProcess? _process;

    private DistributionRegistry(DistributionRegistryOptions options, int port)
    {
        _options = options;
        Port = port;
        DataDirectory = _directory.CreateSubdirectory("data");
        ConfigPath = _directory.Combine("config.yml");
    }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>host:port, as used in image references (127.0.0.1:PORT).</summary>
    public string Host => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Base URL (http://127.0.0.1:PORT).</summary>
    public string Url => "http://" + Host;

    /// <summary>Filesystem storage root.</summary>
    public string DataDirectory { get; }

    /// <summary>The generated config.yml.</summary>
    public string ConfigPath { get; }

    /// <summary>True while the registry process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Logs of all runs so far (earlier runs first).</summary>
    public string Output => _previousOutput + (_process?.Output ?? string.Empty);

    /// <summary>Starts a new registry on a free port and waits until <c>GET /v2/</c> answers 200 or 401.</summary>
    public static async Task<DistributionRegistry> StartNewAsync(DistributionRegistryOptions? options = null)
    {
        Prerequisites.Require("docker-registry");
        for (var attempt = 1; ; attempt++)
        {
            var registry = new DistributionRegistry(options ?? new DistributionRegistryOptions(), FreePort.Next());
            try
            {
                await registry.StartAsync();
                return registry;
            }
            catch (InvalidOperationException) when (attempt < 3 && registry.Output.Contains("address already in use", StringComparison.Ordinal))
            {
                // Another process grabbed the port between FreePort.Next() and the bind: try a new port.
                await registry.DisposeAsync();
            }
            catch
            {
                await registry.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>(Re)starts the registry process on the same port and data directory.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Registry {Host} is already running.");
        }

        RetireProcess();
        await File.WriteAllTextAsync(ConfigPath, BuildConfig());
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("REGISTRY_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal))
            .ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal);
        environment["OTEL_TRACES_EXPORTER"] = "none";
        _process = ManagedProcess.Start("docker-registry", ["serve", ConfigPath], environment, _directory.Path);
        await _process.WaitForHttpAsync(
            Url + "/v2/",
            r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized,
            _options.StartTimeout);
    }

    /// <summary>SIGTERM, bounded wait, then kill.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>SIGKILL immediately (simulates an upstream dying mid-transfer).</summary>
    public void Kill() => _process?.Kill();

    /// <summary>Reference of an image in this registry: 127.0.0.1:PORT/repository:tag.</summary>
    public string Reference(string repository, string tag) => $"{Host}/{repository}:{tag}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _process?.Dispose();
        _directory.Dispose();
    }

    private void RetireProcess()
    {
        if (_process is null)
        {
            return;
        }

        _previousOutput.Append(_process.Output);
        _process.Dispose();
        _process = null;
    }

    private string BuildConfig()
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("version: 0.1");
        yaml.AppendLine("log:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  level: {_options.LogLevel}");
        yaml.AppendLine("storage:");
        yaml.AppendLine("  filesystem:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"    rootdirectory: {Quote(DataDirectory)}");
        yaml.AppendLine("  delete:");
        yaml.AppendLine("    enabled: true");
        yaml.AppendLine("  maintenance:");
        yaml.AppendLine("    uploadpurging:");
        yaml.AppendLine("      enabled: false");
        yaml.AppendLine("http:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  addr: {Host}");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  secret: {Quote("edge-test-" + Port.ToString(CultureInfo.InvariantCulture))}");
        if (_options.TokenAuth is { } auth)
        {
            yaml.AppendLine("auth:");
            yaml.AppendLine("  token:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    realm: {Quote(auth.Realm)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    service: {Quote(auth.Service)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    issuer: {Quote(auth.Issuer)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    rootcertbundle: {Quote(auth.RootCertBundlePath)}");
        }

        if (_options.ProxyRemoteUrl is { } remote)
        {
            yaml.AppendLine("proxy:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  remoteurl: {Quote(remote)}");
            if (_options.ProxyUsername is not null)
            {
                yaml.AppendLine(CultureInfo.InvariantCulture, $"  username: {Quote(_options.ProxyUsername)}");
                yaml.AppendLine(CultureInfo.InvariantCulture, $"  password: {Quote(_options.ProxyPassword ?? string.Empty)}");
            }
        }

        return yaml.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
