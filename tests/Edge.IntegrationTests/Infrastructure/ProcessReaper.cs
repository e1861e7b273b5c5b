using System.Diagnostics;
using System.Globalization;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Finds and kills, by pid, leftover processes whose command line mentions a directory we own (e.g. dockerd's containerd).</summary>
public static class ProcessReaper
{
    /// <summary>Pids of live processes whose command line contains <paramref name="marker"/> (never this process).</summary>
    public static IReadOnlyList<int> FindByCommandLine(string marker)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var self = Environment.ProcessId;
        var found = new List<int>();
        if (!Directory.Exists("/proc"))
        {
            return found;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Process exited meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return found;
    }

    /// <summary>SIGKILLs every process whose command line contains <paramref name="marker"/>; returns how many were killed.</summary>
    public static int KillByCommandLine(string marker)
    {
        var killed = 0;
        foreach (var pid in FindByCommandLine(marker))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
                killed++;
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        return killed;
    }
}
