namespace Edge.Bindings.Disk;

/// <summary>
/// What <see cref="DiskObjectBucket"/> stores next to an object's bytes. <see cref="Size"/> and
/// <see cref="CommittedAt"/> identify the data file the sidecar was written for, so a sidecar left over by
/// a crash between the two renames of a commit is recognised and ignored.
/// </summary>
internal sealed record ObjectSidecar(
    string? ContentType,
    Dictionary<string, string>? Metadata,
    DateTimeOffset CommittedAt,
    long Size);
