using System.Globalization;
using System.Text.RegularExpressions;

namespace Edge.IntegrationTests.Proxy;

/// <summary>One request line the proxy logged: <c>GET /v2/x/blobs/sha256:… 200 upstream=docker repo=library/x cache=miss bytes=3 ms=7</c>.</summary>
internal sealed record ProxyLogLine(string Method, string Path, int Status, string Upstream, string Repository, string Cache, long Bytes);

/// <summary>Parses the request lines out of <see cref="Infrastructure.EdgeProcess.Output"/>.</summary>
internal static partial class ProxyLog
{
    public static IReadOnlyList<ProxyLogLine> Parse(string output) =>
        [.. Line().Matches(output).Select(m => new ProxyLogLine(
            m.Groups["method"].Value,
            m.Groups["path"].Value,
            int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
            m.Groups["upstream"].Value,
            m.Groups["repo"].Value,
            m.Groups["cache"].Value,
            long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture)))];

    /// <summary>Lines whose path contains <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<ProxyLogLine> For(string output, string fragment) =>
        [.. Parse(output).Where(l => l.Path.Contains(fragment, StringComparison.Ordinal))];

    /// <summary>Lines of GETs of one blob digest.</summary>
    public static IReadOnlyList<ProxyLogLine> BlobGets(string output, string digest) =>
        [.. Parse(output).Where(l => l.Method == "GET" && l.Path.EndsWith("/blobs/" + digest, StringComparison.Ordinal))];

    [GeneratedRegex(@"(?<method>GET|HEAD|POST|PUT|PATCH|DELETE) (?<path>/\S*) (?<status>\d{3}) upstream=(?<upstream>\S+) repo=(?<repo>\S+) cache=(?<cache>[a-z]+) bytes=(?<bytes>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Line();
}

/// <summary>Waits for request lines: the console logger writes asynchronously, so a line may lag its response.</summary>
internal static class ProxyLogWait
{
    /// <summary>Polls the proxy output (bounded) until <paramref name="condition"/> holds for its request lines; returns them either way.</summary>
    public static async Task<IReadOnlyList<ProxyLogLine>> UntilAsync(Infrastructure.EdgeProcess edge, Func<IReadOnlyList<ProxyLogLine>, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var lines = ProxyLog.Parse(edge.Output);
            if (condition(lines) || DateTime.UtcNow > deadline)
            {
                return lines;
            }

            await Task.Delay(50);
        }
    }
}
