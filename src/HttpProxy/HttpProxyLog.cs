using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy;

/// <summary>The handler's log lines (category <c>Edge.HttpProxy</c>); paths never include the query, which may hold tokens.</summary>
internal static partial class HttpProxyLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} {Status} in={BytesIn} out={BytesOut} ms={Duration:0}")]
    public static partial void Request(ILogger logger, string method, string path, int status, long bytesIn, long bytesOut, double duration);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "WebSocket {Path} closed: client {ClientClose}, origin {OriginClose}, in={BytesIn} out={BytesOut} ms={Duration:0}")]
    public static partial void WebSocketClosed(ILogger logger, string path, string clientClose, string originClose, long bytesIn, long bytesOut, double duration);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Method} {Path}: origin {Origin} failed ({Error}): {Reason}; answered {Status}. {Detail}")]
    public static partial void OriginFailed(ILogger logger, string method, string path, Uri origin, ProxyError error, string reason, int status, string detail);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Method} {Path}: the origin's response broke off after {Bytes} bytes; the client's response was aborted. {Detail}")]
    public static partial void OriginResponseBroken(ILogger logger, string method, string path, long bytes, string detail);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "{Method} {Path}: the client's request body could not be read: {Detail}")]
    public static partial void ClientBodyFailed(ILogger logger, string method, string path, string detail);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "WebSocket {Path}: the origin refused the handshake with {Status}")]
    public static partial void WebSocketRefused(ILogger logger, string path, int status);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "WebSocket {Path} dropped: {Detail}")]
    public static partial void WebSocketDropped(ILogger logger, string path, string detail);
}
