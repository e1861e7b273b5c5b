namespace Edge.Bindings.Disk;

/// <summary>
/// One entry of a directory read by <see cref="DiskObjectBucket.ListAsync"/>. Folders sort as "key/" so
/// every object below a folder lands where the folder does in ordinal key order.
/// </summary>
internal readonly record struct ListingEntry(string SortKey, string Key, bool IsFolder);
