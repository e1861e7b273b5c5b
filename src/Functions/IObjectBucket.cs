namespace Edge.Functions;

/// <summary>
/// An object bucket, like an R2 bucket: large immutable objects, ranged reads, atomic writes.
/// </summary>
/// <remarks>
/// Keys are 1 to 1024 characters from <c>[A-Za-z0-9._/-]</c>, with no empty, "." or ".." segment and no
/// leading or trailing '/'. A write becomes visible only when committed, whole; an abandoned write leaves
/// nothing behind.
/// </remarks>
public interface IObjectBucket
{
    /// <summary>Metadata of the object, or null when absent.</summary>
    ValueTask<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the object (or the part named by <paramref name="range"/>) for reading, or returns null when
    /// absent. The caller disposes the body.
    /// </summary>
    /// <exception cref="RangeNotSatisfiableException">The range starts at or beyond the object's end.</exception>
    ValueTask<ObjectBody?> GetAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing an object. Write its bytes to <see cref="IObjectUpload.Content"/> and call
    /// <see cref="IObjectUpload.CommitAsync"/>; disposing without committing discards it.
    /// </summary>
    ValueTask<IObjectUpload> BeginPutAsync(string key, ObjectPutOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object. Returns whether it existed. Readers that already opened it keep reading.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Objects whose keys start with <paramref name="prefix"/>, in ordinal key order. Stores that cannot list content
    /// types and custom metadata (S3) leave them out of listed entries; <see cref="HeadAsync"/> has them.
    /// </summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);
}

/// <summary>What a bucket knows about a stored object.</summary>
/// <param name="Key">The object's key.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="ContentType">The content type given when it was written, if any.</param>
/// <param name="LastModified">When it was committed.</param>
/// <param name="Metadata">Custom metadata given when it was written (string pairs, never secrets).</param>
public sealed record ObjectInfo(
    string Key,
    long Size,
    string? ContentType,
    DateTimeOffset LastModified,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>Options for a write.</summary>
public sealed class ObjectPutOptions
{
    /// <summary>The content type to store with the object.</summary>
    public string? ContentType { get; init; }

    /// <summary>Custom metadata to store with the object.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>
/// A byte range: <see cref="Offset"/> and, optionally, a <see cref="Length"/>; null length reads to the end.
/// A length running past the end is shortened to the end, as HTTP does.
/// </summary>
public readonly record struct ByteRange(long Offset, long? Length = null);

/// <summary>An object opened for reading.</summary>
public sealed class ObjectBody : IAsyncDisposable, IDisposable
{
    /// <summary>Creates a body over an open stream.</summary>
    public ObjectBody(ObjectInfo info, Stream content, long offset, long length)
    {
        Info = info;
        Content = content;
        Offset = offset;
        Length = length;
    }

    /// <summary>The whole object's metadata.</summary>
    public ObjectInfo Info { get; }

    /// <summary>The bytes of the requested range (or the whole object), read on demand.</summary>
    public Stream Content { get; }

    /// <summary>Where the returned bytes start in the object.</summary>
    public long Offset { get; }

    /// <summary>How many bytes <see cref="Content"/> yields.</summary>
    public long Length { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => Content.Dispose();
}

/// <summary>An object being written. Dispose without <see cref="CommitAsync"/> to abandon it.</summary>
public interface IObjectUpload : IAsyncDisposable
{
    /// <summary>The key the object will have.</summary>
    string Key { get; }

    /// <summary>A write-only stream for the object's bytes.</summary>
    Stream Content { get; }

    /// <summary>Makes the object visible, whole and at once, replacing any previous object with the key.</summary>
    ValueTask<ObjectInfo> CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a reader over the bytes written so far and those still to come, for stores that can (a local
    /// disk can, S3 cannot). Returns null when unsupported. The reader never reads past what was written;
    /// the caller tracks how far that is.
    /// </summary>
    Stream? OpenConcurrentReader();
}

/// <summary>A ranged read starting at or beyond the end of an object.</summary>
public sealed class RangeNotSatisfiableException : Exception
{
    /// <summary>Creates the exception for an object of <paramref name="size"/> bytes.</summary>
    public RangeNotSatisfiableException(long size)
        : base($"The range is not satisfiable for an object of {size} bytes.") => Size = size;

    /// <summary>The object's size, for a Content-Range: bytes */size answer.</summary>
    public long Size { get; }
}
