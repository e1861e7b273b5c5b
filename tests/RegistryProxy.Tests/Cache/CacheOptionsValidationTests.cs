using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Tests.Cache;

public sealed class CacheOptionsValidationTests
{
    private static List<string> Validate(RegistryProxyOptions options)
    {
        var errors = new List<string>();
        RegistryProxyHandler.Validate(options, errors);
        return errors;
    }

    [Fact]
    public void Defaults_AreValidAndUnlimited()
    {
        var options = new RegistryProxyOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(0, options.MaxCacheSize);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CacheSweepInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), options.CacheProtectRecent);
    }

    [Fact]
    public void Limits_ZeroAndPositive_AreValid()
    {
        Assert.Empty(Validate(new RegistryProxyOptions { MaxCacheSize = 0, CacheProtectRecent = TimeSpan.Zero }));
        Assert.Empty(Validate(new RegistryProxyOptions { MaxCacheSize = 50L * 1024 * 1024 * 1024, CacheSweepInterval = TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public void SweepInterval_OverADay_IsRejected() =>
        Assert.Contains(Validate(new RegistryProxyOptions { CacheSweepInterval = TimeSpan.FromDays(2) }), e => e.Contains("CacheSweepInterval", StringComparison.Ordinal));

    [Fact]
    public void Invalid_AllReportedTogether()
    {
        var errors = Validate(new RegistryProxyOptions { MaxCacheSize = -1, CacheSweepInterval = TimeSpan.Zero, CacheProtectRecent = TimeSpan.FromSeconds(-1) });

        Assert.Contains(errors, e => e.Contains("MaxCacheSize", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CacheSweepInterval", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CacheProtectRecent", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }
}
