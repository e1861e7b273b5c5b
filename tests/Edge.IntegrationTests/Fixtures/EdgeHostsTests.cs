using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class EdgeHostsTests
{
    [Fact]
    public void Ensure_CalledTwice_AddsEachNameOnceAndResolves()
    {
        EdgeHosts.Ensure("fixture-selftest.edge.test", "docker.edge.test");
        EdgeHosts.Ensure("fixture-selftest.edge.test");

        var lines = File.ReadAllLines(EdgeHosts.HostsFile).Count(l => l.Contains("fixture-selftest.edge.test", StringComparison.Ordinal));
        Assert.Equal(1, lines);
        Assert.True(EdgeHosts.IsMapped("docker.edge.test"));
        Assert.Contains(System.Net.IPAddress.Loopback, System.Net.Dns.GetHostAddresses("fixture-selftest.edge.test"));
    }
}
