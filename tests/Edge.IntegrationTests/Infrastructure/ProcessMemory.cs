using System.Globalization;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Resident memory of processes, read from /proc (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS of <paramref name="pid"/> in bytes, or null when the process is gone.</summary>
    public static long? ResidentBytes(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var line in lines)
        {
            // "VmRSS:	  123456 kB"
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(kilobytes, NumberStyles.None, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }
}
