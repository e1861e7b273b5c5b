using System.Text;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Writes containerd registry host configuration (<c>--hosts-dir</c> / <c>config_path</c> layout).</summary>
public static class HostsToml
{
    /// <summary>
    /// Writes <c>&lt;hostsDir&gt;/&lt;registryHost&gt;/hosts.toml</c> with <c>server = "https://&lt;registryHost&gt;"</c>
    /// (registry-1.docker.io for docker.io) and a plain-HTTP mirror with pull and resolve capabilities.
    /// containerd appends <c>?ns=&lt;registryHost&gt;</c> to every mirror request. Returns the file path.
    /// </summary>
    public static string Write(string hostsDir, string registryHost, string mirrorUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(registryHost);
        var server = registryHost == "docker.io" ? "https://registry-1.docker.io" : "https://" + registryHost;
        return WriteFile(hostsDir, registryHost, $"server = \"{server}\"\n\n" + MirrorSection(mirrorUrl));
    }

    /// <summary>Writes <c>&lt;hostsDir&gt;/_default/hosts.toml</c>: every registry without its own file goes to <paramref name="mirrorUrl"/>.</summary>
    public static string WriteDefault(string hostsDir, string mirrorUrl) => WriteFile(hostsDir, "_default", MirrorSection(mirrorUrl));

    /// <summary>Writes a hosts.toml that talks to <paramref name="registryHost"/> itself over plain HTTP (server = "http://host").</summary>
    public static string WritePlainHttpServer(string hostsDir, string registryHost)
    {
        ArgumentException.ThrowIfNullOrEmpty(registryHost);
        return WriteFile(hostsDir, registryHost, $"server = \"http://{registryHost}\"\n");
    }

    private static string MirrorSection(string mirrorUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(mirrorUrl);
        var text = new StringBuilder();
        text.Append("[host.\"").Append(mirrorUrl.TrimEnd('/')).Append("\"]\n");
        text.Append("  capabilities = [\"pull\", \"resolve\"]\n");
        return text.ToString();
    }

    private static string WriteFile(string hostsDir, string directoryName, string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostsDir);
        var directory = Directory.CreateDirectory(Path.Combine(hostsDir, directoryName)).FullName;
        var path = Path.Combine(directory, "hosts.toml");
        File.WriteAllText(path, content);
        return path;
    }
}
