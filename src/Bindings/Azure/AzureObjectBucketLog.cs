using Microsoft.Extensions.Logging;

namespace Edge.Bindings.Azure;

/// <summary>Source-generated log messages of <see cref="AzureObjectBucket"/>.</summary>
internal static partial class AzureObjectBucketLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Azure bucket {Bucket}: the upload of {Key} was abandoned after {Blocks} staged blocks; they stay uncommitted, invisible, until Azure discards them")]
    public static partial void BlocksLeftUncommitted(ILogger logger, string bucket, string key, int blocks);
}
