using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Tests.Routing;

/// <summary>Builds upstream tables for tests, failing on configuration errors.</summary>
internal static class Tables
{
    public static UpstreamTable Build(RegistryProxyOptions? options = null)
    {
        var errors = new List<string>();
        var table = UpstreamTable.Build(options ?? new RegistryProxyOptions(), errors);
        Assert.Empty(errors);
        return table;
    }

    public static RegistryRouter Router(RegistryProxyOptions? options = null) => new(Build(options));
}
