using System.Text;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Makes test host names (docker.edge.test, …) resolve to 127.0.0.1 by appending to /etc/hosts (needs root).</summary>
public static class EdgeHosts
{
    private static readonly Lock Gate = new();

    /// <summary>Path of the hosts file (overridable for tests of this class).</summary>
    public static string HostsFile { get; set; } = "/etc/hosts";

    /// <summary>Idempotently appends <c>127.0.0.1 name</c> for each name that does not already map to 127.0.0.1.</summary>
    public static void Ensure(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        lock (Gate)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    EnsureLocked(names);
                    return;
                }
                catch (IOException) when (attempt < 50)
                {
                    // Another process holds the file lock; retry briefly (bounded).
                    Thread.Sleep(100);
                }
            }
        }
    }

    /// <summary>True when the hosts file has a line mapping 127.0.0.1 to <paramref name="name"/>.</summary>
    public static bool IsMapped(string name) => IsMapped(File.ReadAllText(HostsFile), name);

    private static bool IsMapped(string content, string name) =>
        content.Split('\n').Any(line =>
        {
            var fields = line.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 1 && fields[0] == "127.0.0.1" && fields.Skip(1).Contains(name, StringComparer.OrdinalIgnoreCase);
        });

    private static void EnsureLocked(string[] names)
    {
        // FileShare.None takes an advisory lock on Linux so concurrent test processes append one at a time.
        using var stream = new FileStream(HostsFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        string content;
        using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
        {
            content = reader.ReadToEnd();
        }

        var missing = names.Where(n => !string.IsNullOrWhiteSpace(n)).Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(n => !IsMapped(content, n)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        if (content.Length > 0 && !content.EndsWith('\n'))
        {
            text.Append('\n');
        }

        foreach (var name in missing)
        {
            text.Append("127.0.0.1 ").Append(name).Append('\n');
        }

        stream.Seek(0, SeekOrigin.End);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
