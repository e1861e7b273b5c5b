using Microsoft.Extensions.Logging;

namespace Edge.Forwarding;

/// <summary>The forwarding core's log lines, written to the caller's logger (its category); paths never include the
/// query, which may hold tokens.</summary>
public static partial class ForwardingLog
{
    /// <summary>The one line for a failed forward (<see cref="ForwardingFailure.Log"/>).</summary>
    [LoggerMessage(EventId = 900, Level = LogLevel.Warning, Message = "{Method} {Path} to {Upstream} failed ({Error}): answered {Status}. {Detail}")]
    public static partial void Failed(ILogger logger, string method, string path, string upstream, ForwardingError error, int status, string detail);

    /// <summary>The client went away before the answer was complete.</summary>
    [LoggerMessage(EventId = 901, Level = LogLevel.Debug, Message = "Client aborted {Method} {Path}")]
    public static partial void ClientAborted(ILogger logger, string method, string path);

    /// <summary>A failed attempt is sent again on another connection (<see cref="RetryRule"/>).</summary>
    [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "{Method} {Path} to {Upstream}: attempt {Attempt} failed ({Error}), sending again on another connection. {Detail}")]
    public static partial void Retrying(ILogger logger, string method, string path, string upstream, int attempt, ForwardingError error, string detail);
}
