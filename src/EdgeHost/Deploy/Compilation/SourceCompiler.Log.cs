using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy.Compilation;

internal sealed partial class SourceCompiler
{
    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Compiled {File} into {Assembly} in {Duration:0} ms: handler {Handler}, {Warnings} warning(s)")]
    private partial void LogCompiled(string file, string assembly, string handler, double duration, int warnings);

    // The user's mistake, not the host's: information, with the first error so the log says why.
    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Compile of {File} refused ({Error}) in {Duration:0} ms with {Errors} error(s), first: {FirstError}")]
    private partial void LogRejected(string file, SourceCompileError error, double duration, int errors, string firstError);

    [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "Function compiler warmed up in {Duration:0} ms")]
    private partial void LogWarmedUp(double duration);

    [LoggerMessage(EventId = 133, Level = LogLevel.Warning, Message = "Function compiler warm-up failed; the first deploy will pay the compiler's start-up cost")]
    private partial void LogWarmUpFailed(Exception exception);

    [LoggerMessage(EventId = 134, Level = LogLevel.Error, Message = "Function compiler warm-up did not compile its own function, so deploys will fail the same way: {Errors}")]
    private partial void LogWarmUpRejected(string errors);
}
