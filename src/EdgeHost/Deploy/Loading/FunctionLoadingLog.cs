using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy.Loading;

/// <summary>The log lines of loading and unloading function versions (event ids 80-89).</summary>
internal static partial class FunctionLoadingLog
{
    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Function {Function} version {Version} loaded from {Source}: handler {Handler}, {Assemblies} private assemblies, {NativeLibraries} native libraries, in {ElapsedMs:0} ms")]
    public static partial void Loaded(ILogger logger, string function, string version, string source, string handler, int assemblies, int nativeLibraries, double elapsedMs);

    [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "Function {Function} version {Version} uses the host's copies of assemblies its bundle also ships; not loaded: {Files}")]
    public static partial void IgnoredFiles(ILogger logger, string function, string version, string files);

    [LoggerMessage(EventId = 82, Level = LogLevel.Warning, Message = "Function {Function} version {Version}: {Warning}")]
    public static partial void LoadWarning(ILogger logger, string function, string version, string warning);

    [LoggerMessage(EventId = 83, Level = LogLevel.Warning, Message = "Function {Function} version {Version} from {Source} was not loaded ({Error}): {Errors}")]
    public static partial void Refused(ILogger logger, string function, string version, string source, FunctionLoadError error, string errors, Exception? exception);

    [LoggerMessage(EventId = 85, Level = LogLevel.Information, Message = "Function {Function} version {Version} unloaded after {Collections} garbage collections")]
    public static partial void Unloaded(ILogger logger, string function, string version, int collections);

    [LoggerMessage(EventId = 86, Level = LogLevel.Warning, Message = "Function {Function} version {Version} did not unload after {Collections} garbage collections; still loaded: {Assemblies}. Something outside it still references its code: a static event or callback it registered with the host or the framework, a thread or timer it started and did not stop, a task still running, a Meter or EventSource it did not dispose, or one of its objects the host still holds. It stays in memory until that reference goes away")]
    public static partial void NotUnloaded(ILogger logger, string function, string version, int collections, string assemblies);

    [LoggerMessage(EventId = 87, Level = LogLevel.Warning, Message = "Clearing the framework cache {Handler} before unloading function {Function} version {Version} failed")]
    public static partial void CacheClearFailed(ILogger logger, string handler, string function, string version, Exception exception);

    [LoggerMessage(EventId = 88, Level = LogLevel.Warning, Message = "The copies of the native libraries of function {Function} version {Version} in {Directory} could not be removed")]
    public static partial void NativeCleanupFailed(ILogger logger, string function, string version, string directory, Exception exception);
}
