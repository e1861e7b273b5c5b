using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy;

/// <summary>The handler's log lines (category <c>Edge.HttpProxy</c>); paths never include the query, which may hold
/// tokens. Failures are logged by the forwarding core's <see cref="Edge.Forwarding.ForwardingLog"/> (event 900).</summary>
internal static partial class HttpProxyLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} {Status} in={BytesIn} out={BytesOut} ms={Duration:0}")]
    public static partial void Request(ILogger logger, string method, string path, int status, long bytesIn, long bytesOut, double duration);
}
