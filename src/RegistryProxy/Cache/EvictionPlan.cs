namespace Edge.RegistryProxy.Cache;

/// <summary>A cached object as the sweeper sees it.</summary>
/// <param name="Key">Bucket key.</param>
/// <param name="Size">Bytes.</param>
/// <param name="LastAccess">Last use (or commit time when never seen used).</param>
/// <param name="Protected">Must not be evicted now (being downloaded, or used very recently).</param>
internal readonly record struct CachedObject(string Key, long Size, DateTimeOffset LastAccess, bool Protected);

/// <summary>What a sweep decided: which objects to delete, and the sizes before and after.</summary>
internal sealed record EvictionPlan(IReadOnlyList<CachedObject> Evict, long SizeBefore, long SizeAfter)
{
    /// <summary>
    /// The least recently used unprotected objects whose removal brings the total to <paramref name="lowWater"/>
    /// or below; nothing when the total is within <paramref name="limit"/>. When protected objects alone exceed
    /// the low-water mark, evicts every unprotected one and stops there.
    /// </summary>
    public static EvictionPlan Create(IEnumerable<CachedObject> objects, long limit, long lowWater)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var all = objects as IReadOnlyCollection<CachedObject> ?? [.. objects];
        var total = all.Sum(o => o.Size);
        if (limit <= 0 || total <= limit)
        {
            return new EvictionPlan([], total, total);
        }

        var evict = new List<CachedObject>();
        var remaining = total;
        foreach (var candidate in all.Where(o => !o.Protected).OrderBy(o => o.LastAccess).ThenBy(o => o.Key, StringComparer.Ordinal))
        {
            if (remaining <= lowWater)
            {
                break;
            }

            evict.Add(candidate);
            remaining -= candidate.Size;
        }

        return new EvictionPlan(evict, total, remaining);
    }

    /// <summary>The size a sweep trims to: 90% of the limit, so the cache does not hover at the edge.</summary>
    public static long LowWaterMark(long limit) => limit - (limit / 10);
}
