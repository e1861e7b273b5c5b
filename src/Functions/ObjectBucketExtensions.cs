namespace Edge.Functions;

/// <summary>Conveniences over <see cref="IObjectBucket"/>.</summary>
public static class ObjectBucketExtensions
{
    /// <summary>Writes a whole object from <paramref name="content"/> and commits it atomically.</summary>
    public static async ValueTask<ObjectInfo> PutAsync(
        this IObjectBucket bucket,
        string key,
        Stream content,
        ObjectPutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(content);
        await using var upload = await bucket.BeginPutAsync(key, options, cancellationToken);
        await content.CopyToAsync(upload.Content, cancellationToken);
        return await upload.CommitAsync(cancellationToken);
    }
}
