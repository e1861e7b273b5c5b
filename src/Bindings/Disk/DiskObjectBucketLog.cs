using Microsoft.Extensions.Logging;

namespace Edge.Bindings.Disk;

/// <summary>Source-generated log messages of <see cref="DiskObjectBucket"/>.</summary>
internal static partial class DiskObjectBucketLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Removed {Count} leftover in-progress files from {Directory}")]
    public static partial void LeftoversRemoved(ILogger logger, int count, string directory);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Could not delete temporary file {Path}")]
    public static partial void TempDeleteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Ignoring the unreadable metadata sidecar of {Key}")]
    public static partial void SidecarUnreadable(ILogger logger, string key, Exception? exception);
}
