using Microsoft.Extensions.Logging;

namespace Edge.Bindings.S3;

/// <summary>Source-generated log messages of <see cref="S3ObjectBucket"/>.</summary>
internal static partial class S3ObjectBucketLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "S3 bucket {Bucket}: could not abort the abandoned multipart upload of {Key}; its parts stay until a lifecycle rule removes incomplete uploads")]
    public static partial void AbortFailed(ILogger logger, string bucket, string key, Exception exception);
}
