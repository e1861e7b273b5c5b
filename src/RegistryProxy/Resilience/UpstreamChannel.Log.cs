using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Resilience;

internal sealed partial class UpstreamChannel
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Upstream {Upstream} is considered down for {BreakDuration}: {Reason}. Its requests fail at once (cached content is still served) until a probe succeeds")]
    private static partial void LogOpened(ILogger logger, string upstream, TimeSpan breakDuration, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Upstream {Upstream} circuit half-open: letting one request through as a probe")]
    private static partial void LogHalfOpened(ILogger logger, string upstream);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "Upstream {Upstream} answers again: circuit closed")]
    private static partial void LogClosed(ILogger logger, string upstream);

    [LoggerMessage(EventId = 113, Level = LogLevel.Debug, Message = "Upstream {Upstream}: retry {Attempt} in {Delay} after {Reason}")]
    private static partial void LogRetry(ILogger logger, string upstream, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 114, Level = LogLevel.Debug, Message = "Upstream {Upstream} is considered down: request not sent")]
    private static partial void LogRejected(ILogger logger, string upstream);
}
