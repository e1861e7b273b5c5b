using System.Net.Http;
using Edge.Tunnel.Agent;
using Edge.Tunnel.Relay;

namespace Edge.Tunnel.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(5, 16000)]
    [InlineData(6, 30000)]
    [InlineData(40, 30000)]
    public void Backoff_Compute_DoublesUpToTheCap(int failures, int expectedMs)
    {
        var middle = TunnelBackoff.Compute(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.5);
        Assert.Equal(expectedMs, middle.TotalMilliseconds, 1);
        var low = TunnelBackoff.Compute(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0);
        var high = TunnelBackoff.Compute(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.999);
        Assert.True(low < high || high == TimeSpan.FromSeconds(30));
        Assert.True(high <= TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("app.test", "/", "exact")]
    [InlineData("APP.test", "/x", "exact")]
    [InlineData("app.test", "/api", "exact-api")]
    [InlineData("app.test", "/api/v1", "exact-api")]
    [InlineData("app.test", "/apix", "exact")]
    [InlineData("x.app.test", "/", "wild")]
    [InlineData("x.y.app.test", "/", "wild")]
    [InlineData("other.test", "/", null)]
    public void Ingress_Match_MostSpecificRuleWins(string host, string path, string? expected)
    {
        var table = new TunnelIngressTable(
        [
            new TunnelIngressRule { Host = "*.app.test", TunnelId = "wild" },
            new TunnelIngressRule { Host = "app.test", TunnelId = "exact" },
            new TunnelIngressRule { Host = "app.test", PathPrefix = "/api/", TunnelId = "exact-api" },
        ]);

        Assert.Equal(expected, table.Match(host, path)?.TunnelId);
    }

    [Fact]
    public void Credentials_Verify_AcceptsOnlyTheTunnelsToken()
    {
        var credentials = new TunnelCredentials(
        [
            new TunnelDefinition { Id = "a", Token = "token-a" },
            new TunnelDefinition { Id = "b", TokenSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("token-b"u8)) },
        ]);

        Assert.True(credentials.Verify("a", "token-a"));
        Assert.True(credentials.Verify("b", "token-b"));
        Assert.False(credentials.Verify("a", "token-b"));
        Assert.False(credentials.Verify("c", "token-a"));
        Assert.False(credentials.Verify("a", ""));
    }

    [Fact]
    public void NeverReachedAgent_OnlyForRefusedConnectOrRefusedStreamBeforeBody()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "x", new TunnelConnectionUnavailableException("closed"));
        Assert.True(TunnelRelay.NeverReachedAgent(refused, null));

        var reset = new HttpRequestException(HttpRequestError.ResponseEnded, "x", new IOException("reset"));
        Assert.False(TunnelRelay.NeverReachedAgent(reset, null));

        var started = new RequestBodyStream(new MemoryStream([1, 2, 3]), new TunnelCounters());
        _ = started.Read(new byte[1], 0, 1);
        Assert.False(TunnelRelay.NeverReachedAgent(refused, started));
    }
}
