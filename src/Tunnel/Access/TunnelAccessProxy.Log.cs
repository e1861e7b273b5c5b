using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Access;

public sealed partial class TunnelAccessProxy
{
    /// <summary>The access client's own lines; failures, client aborts and retries are the forwarding core's
    /// (<see cref="Edge.Forwarding.ForwardingLog"/>, events 900-902, in this category).</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "{Method} {Path} {Status}")]
        public static partial void Forwarded(ILogger logger, string method, string path, int status);
    }
}
