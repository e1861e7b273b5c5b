using System.Diagnostics;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>A unique directory deleted recursively on dispose (best effort: dockerd may leave root-owned or mounted leftovers).</summary>
public sealed class TempDirectory : IDisposable
{
    private int _disposed;

    /// <summary>Creates a directory under the system temp directory (or <paramref name="parent"/>), named prefix + random suffix.</summary>
    public TempDirectory(string prefix = "edge-it-", string? parent = null)
    {
        var root = parent ?? System.IO.Path.GetTempPath();
        for (var attempt = 0; ; attempt++)
        {
            var candidate = System.IO.Path.Combine(root, prefix + Guid.NewGuid().ToString("N")[..10]);
            if (!Directory.Exists(candidate))
            {
                Directory.CreateDirectory(candidate);
                Path = candidate;
                break;
            }

            if (attempt > 20)
            {
                throw new InvalidOperationException($"Could not create a unique directory under {root}.");
            }
        }
    }

    /// <summary>Absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>Path of a child of this directory.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Creates (if needed) and returns a subdirectory.</summary>
    public string CreateSubdirectory(string name) => Directory.CreateDirectory(Combine(name)).FullName;

    /// <inheritdoc />
    public override string ToString() => Path;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        DeleteBestEffort(Path);
    }

    /// <summary>Unmounts anything mounted below <paramref name="path"/>, then deletes it; never throws.</summary>
    public static void DeleteBestEffort(string path)
    {
        try
        {
            UnmountBelow(path);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception)
        {
            RemoveWithRm(path);
        }
    }

    private static void UnmountBelow(string path)
    {
        if (!File.Exists("/proc/self/mounts"))
        {
            return;
        }

        var prefix = System.IO.Path.GetFullPath(path).TrimEnd('/') + "/";
        var mountPoints = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 1)
            .Select(fields => fields[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(mp => mp.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(mp => mp.Length)
            .Take(200)
            .ToList();
        foreach (var mountPoint in mountPoints)
        {
            RunQuietly("umount", ["-l", mountPoint]);
        }
    }

    private static void RemoveWithRm(string path)
    {
        try
        {
            RunQuietly("rm", ["-rf", "--one-file-system", path]);
        }
        catch (Exception)
        {
            // Best effort only.
        }
    }

    private static void RunQuietly(string fileName, string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info);
        if (process is not null && !process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
