using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Access;

public sealed partial class TunnelAccessProxy
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "{Method} {Path} {Status}")]
        public static partial void Forwarded(ILogger logger, string method, string path, int status);

        [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "{Method} {Path} through {Relay} failed: {Error}")]
        public static partial void ForwardFailed(ILogger logger, string method, string path, string relay, AccessForwardError error, Exception exception);

        [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Client aborted {Method} {Path}")]
        public static partial void ClientAborted(ILogger logger, string method, string path);

        [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "WebSocket {Path} opened")]
        public static partial void WebSocketOpened(ILogger logger, string path);

        [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "WebSocket {Path} closed")]
        public static partial void WebSocketClosed(ILogger logger, string path);
    }
}
