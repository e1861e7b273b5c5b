using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Cache;

/// <summary>
/// The cache bucket as the proxy reads it: a store that fails (an S3 outage, a broken disk) makes a lookup a miss,
/// logged, so pulls go on from upstream instead of failing. Writes and listings pass through: their callers decide
/// what a failure means (the blob pump serves without caching, a manifest is served without being stored).
/// </summary>
internal sealed partial class FailSoftBucket(IObjectBucket inner, ILogger logger) : IObjectBucket
{
    public async ValueTask<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.HeadAsync(key, cancellationToken);
        }
        catch (IOException ex)
        {
            LogReadFailed(logger, key, ex.Message);
            return null;
        }
    }

    public async ValueTask<ObjectBody?> GetAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.GetAsync(key, range, cancellationToken);
        }
        catch (IOException ex)
        {
            LogReadFailed(logger, key, ex.Message);
            return null;
        }
    }

    public ValueTask<IObjectUpload> BeginPutAsync(string key, ObjectPutOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.BeginPutAsync(key, options, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Cache lookup of {Key} failed, treated as a miss: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string key, string reason);
}
