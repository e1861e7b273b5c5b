namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Checks that external tools the integration tests start are installed. Never skips: a missing tool fails loudly.</summary>
public static class Prerequisites
{
    private static readonly Dictionary<string, string> AptPackages = new(StringComparer.Ordinal)
    {
        ["docker-registry"] = "docker-registry",
        ["dockerd"] = "docker.io",
        ["docker"] = "docker.io",
        ["containerd"] = "containerd",
        ["ctr"] = "containerd",
        ["skopeo"] = "skopeo",
        ["redis-server"] = "redis-server",
        ["redis-cli"] = "redis-tools",
        ["dotnet"] = "dotnet-sdk-10.0",
    };

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first missing executable and its apt package.</summary>
    public static void Require(params string[] executables)
    {
        ArgumentNullException.ThrowIfNull(executables);
        var missing = executables.Where(e => FindOnPath(e) is null).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var details = string.Join(", ", missing.Select(m =>
            $"'{m}' (apt package '{(AptPackages.TryGetValue(m, out var p) ? p : m)}')"));
        throw new InvalidOperationException(
            $"Missing integration-test prerequisite(s): {details}. scripts/test.sh installs it; run it or apt-get install the package.");
    }

    /// <summary>Full path of an executable found on PATH, or null.</summary>
    public static string? FindOnPath(string executable)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        if (executable.Contains('/'))
        {
            return File.Exists(executable) ? executable : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
