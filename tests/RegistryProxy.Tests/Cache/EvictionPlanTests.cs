using Edge.RegistryProxy.Cache;

namespace Edge.RegistryProxy.Tests.Cache;

public sealed class EvictionPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CachedObject Obj(string key, long size, int minute, bool isProtected = false) =>
        new(key, size, T0.AddMinutes(minute), isProtected);

    [Fact]
    public void Create_WithinLimit_EvictsNothing()
    {
        var plan = EvictionPlan.Create([Obj("a", 400, 1), Obj("b", 600, 2)], limit: 1000, lowWater: 900);

        Assert.Empty(plan.Evict);
        Assert.Equal(1000, plan.SizeBefore);
        Assert.Equal(1000, plan.SizeAfter);
    }

    [Fact]
    public void Create_OverLimit_EvictsLeastRecentlyUsedUntilLowWater()
    {
        // 1200 bytes, limit 1000, low water 850: the two oldest (300 + 100) bring it to 800.
        var plan = EvictionPlan.Create([Obj("new", 500, 9), Obj("old", 300, 1), Obj("mid", 300, 5), Obj("older", 100, 2)], limit: 1000, lowWater: 850);

        Assert.Equal(["old", "older"], plan.Evict.Select(o => o.Key));
        Assert.Equal(1200, plan.SizeBefore);
        Assert.Equal(800, plan.SizeAfter);
    }

    [Fact]
    public void Create_ProtectedObjects_AreSkippedEvenWhenOldest()
    {
        var plan = EvictionPlan.Create([Obj("downloading", 500, 0, isProtected: true), Obj("a", 400, 1), Obj("b", 400, 2)], limit: 1000, lowWater: 900);

        Assert.Equal(["a"], plan.Evict.Select(o => o.Key));
        Assert.Equal(900, plan.SizeAfter);
    }

    [Fact]
    public void Create_ProtectedAloneOverLowWater_EvictsEveryUnprotectedAndStops()
    {
        var plan = EvictionPlan.Create([Obj("p1", 800, 0, isProtected: true), Obj("p2", 300, 1, isProtected: true), Obj("a", 100, 5)], limit: 1000, lowWater: 900);

        Assert.Equal(["a"], plan.Evict.Select(o => o.Key));
        Assert.Equal(1100, plan.SizeAfter);
    }

    [Fact]
    public void Create_SameAccessTime_OrdersByKey()
    {
        var plan = EvictionPlan.Create([Obj("b", 200, 1), Obj("a", 200, 1), Obj("c", 700, 3)], limit: 1000, lowWater: 900);

        Assert.Equal(["a"], plan.Evict.Select(o => o.Key));
    }

    [Fact]
    public void Create_NoLimit_EvictsNothing()
    {
        var plan = EvictionPlan.Create([Obj("a", long.MaxValue / 2, 1)], limit: 0, lowWater: 0);

        Assert.Empty(plan.Evict);
    }

    [Theory]
    [InlineData(1000, 900)]
    [InlineData(3_000_000, 2_700_000)]
    [InlineData(5, 5)]
    public void LowWaterMark_IsNinetyPercent(long limit, long expected) => Assert.Equal(expected, EvictionPlan.LowWaterMark(limit));
}
