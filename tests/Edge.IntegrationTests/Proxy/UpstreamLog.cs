using System.Text.RegularExpressions;

namespace Edge.IntegrationTests.Proxy;

/// <summary>Counts requests in a CNCF distribution registry's access log (<see cref="Infrastructure.DistributionRegistry.Output"/>).</summary>
internal static partial class UpstreamLog
{
    /// <summary>Number of access-log lines for <paramref name="method"/> of a path ending in <paramref name="pathSuffix"/> (query ignored).</summary>
    public static int Count(string output, string method, string pathSuffix) =>
        AccessLine().Matches(output).Count(m => m.Groups["method"].Value == method
            && m.Groups["path"].Value.Split('?')[0].EndsWith(pathSuffix, StringComparison.Ordinal));

    // distribution's access log (gorilla handlers, combined format): 127.0.0.1 - - [date] "GET /v2/... HTTP/1.1" 200 ...
    [GeneratedRegex("\"(?<method>GET|HEAD|POST|PUT|PATCH|DELETE) (?<path>/\\S*) HTTP/[0-9.]+\" (?<status>\\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex AccessLine();
}
