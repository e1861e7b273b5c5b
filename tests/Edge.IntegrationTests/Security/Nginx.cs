using System.Globalization;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>
/// A real nginx (apt package <c>nginx</c> or <c>nginx-light</c>) in the foreground with a generated config. Every
/// server logs <c>$http_authorization</c>, <c>$http_range</c> and the status, one line per request, to its own file.
/// </summary>
internal sealed class Nginx : IAsyncDisposable
{
    public const string LogFormat =
        "log_format edge '$remote_addr \"$request\" $status auth=\"$http_authorization\" range=\"$http_range\" ua=\"$http_user_agent\"';";

    private readonly TempDirectory _directory = new("edge-nginx-");
    private ManagedProcess? _process;

    private Nginx()
    {
    }

    public string Directory => _directory.Path;

    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Path for a log file or flag file inside this instance's directory.</summary>
    public string PathOf(string name) => _directory.Combine(name);

    public string ReadLog(string name) => File.Exists(PathOf(name)) ? File.ReadAllText(PathOf(name)) : string.Empty;

    /// <summary>Placeholder in server blocks for this instance's directory (logs, flag files).</summary>
    public const string DirectoryPlaceholder = "@DIR@";

    /// <summary>
    /// Starts nginx with <paramref name="servers"/> (server blocks; <see cref="DirectoryPlaceholder"/> is replaced by the
    /// instance directory) inside an http block, and waits for every port.
    /// </summary>
    public static async Task<Nginx> StartAsync(string servers, params int[] ports)
    {
        Prerequisites.Require("nginx");
        var nginx = new Nginx();
        try
        {
            var temp = nginx._directory.CreateSubdirectory("temp");
            var config = string.Join(
                '\n',
                "daemon off;",
                "master_process off;",
                "worker_processes 1;",
                $"pid {nginx.PathOf("nginx.pid")};",
                "error_log stderr warn;",
                "events { worker_connections 256; }",
                "http {",
                "  " + LogFormat,
                $"  access_log {nginx.PathOf("default.log")} edge;",
                $"  client_body_temp_path {temp}/body;",
                $"  proxy_temp_path {temp}/proxy;",
                $"  fastcgi_temp_path {temp}/fastcgi;",
                $"  uwsgi_temp_path {temp}/uwsgi;",
                $"  scgi_temp_path {temp}/scgi;",
                "  proxy_buffering off;",
                "  proxy_http_version 1.1;",
                "  client_max_body_size 0;",
                servers.Replace(DirectoryPlaceholder, nginx.Directory, StringComparison.Ordinal),
                "}",
                string.Empty);
            var path = nginx.PathOf("nginx.conf");
            await File.WriteAllTextAsync(path, config);
            nginx._process = ManagedProcess.Start("nginx", ["-p", nginx.Directory, "-c", path, "-e", "stderr"], null, nginx.Directory);
            foreach (var port in ports)
            {
                await nginx._process.WaitForTcpPortAsync(port, TimeSpan.FromSeconds(15));
            }

            return nginx;
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(5));
            _process.Dispose();
        }

        _directory.Dispose();
    }
}
