using Edge.Tunnel.Agent;
using Edge.Tunnel.Tests.Infrastructure;

namespace Edge.Tunnel.Tests;

public sealed class RelayRoutingTests
{
    [Fact]
    public async Task Forward_MatchingHost_ReachesOriginThroughTunnelWithForwardedHeaders()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await origin.Tunnel.Status.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new PublicClient(relay.Port);

        var (status, body) = await client.GetStringAsync("app.test", "/echo?x=1");

        Assert.Equal(200, status);
        Assert.Contains("host=app.test\n", body, StringComparison.Ordinal);
        Assert.Contains("path=/echo?x=1\n", body, StringComparison.Ordinal);
        Assert.Contains("protocol=HTTP/2\n", body, StringComparison.Ordinal);
        Assert.Contains("tunnel=t1\n", body, StringComparison.Ordinal);
        Assert.Contains("xff=127.0.0.1\n", body, StringComparison.Ordinal);
        Assert.Contains("xfproto=http\n", body, StringComparison.Ordinal);
        Assert.Contains("xfhost=app.test\n", body, StringComparison.Ordinal);
        Assert.Contains("connection=\n", body, StringComparison.Ordinal);
        Assert.Equal(TunnelAgentState.Ready, origin.Tunnel.Status.State);

        var (wildStatus, wildBody) = await client.GetStringAsync("a.b.apps.test", "/echo");
        Assert.Equal(200, wildStatus);
        Assert.Contains("host=a.b.apps.test\n", wildBody, StringComparison.Ordinal);

        var t1 = relay.Relay.GetStatus().Single(s => s.TunnelId == "t1");
        Assert.Equal(1, t1.Agents);
        Assert.Equal(2, t1.Connections);
        Assert.Equal(2, t1.ResponsesByStatus[200]);
    }

    [Fact]
    public async Task Forward_UnknownOrPrivateHost_Returns404()
    {
        await using var relay = await RelayHost.StartAsync();
        using var client = new PublicClient(relay.Port);

        var (status, body) = await client.GetStringAsync("unknown.test", "/echo");
        Assert.Equal(404, status);
        Assert.Equal("no tunnel route for host unknown.test\n", body);

        var (apexStatus, _) = await client.GetStringAsync("apps.test", "/");
        Assert.Equal(404, apexStatus);

        var (privateStatus, privateBody) = await client.GetStringAsync("private.app.test", "/echo");
        Assert.Equal(404, privateStatus);
        Assert.Equal("no tunnel route for host private.app.test\n", privateBody);
        Assert.Equal(3, relay.Relay.NoRouteRequests);
    }

    [Fact]
    public async Task Forward_TunnelWithoutAgent_Returns502()
    {
        await using var relay = await RelayHost.StartAsync();
        using var client = new PublicClient(relay.Port);

        var (status, body) = await client.GetStringAsync("none.test", "/echo");

        Assert.Equal(502, status);
        Assert.Equal("Bad gateway: tunnel t2 has no connected agent.\n", body);
    }

    [Fact]
    public async Task Agent_BadToken_ReportsUnauthorizedStopsDialingAndRelayLogsNoToken()
    {
        await using var relay = await RelayHost.StartAsync();
        const string badToken = "wrong-token-do-not-log";
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, token: badToken));

        await Assert.ThrowsAsync<TunnelUnauthorizedException>(() => origin.Tunnel.Status.Ready.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(TunnelAgentState.Unauthorized, origin.Tunnel.Status.State);

        var refusals = relay.Logs.Lines.Count(l => l.Contains("refused agent", StringComparison.Ordinal));
        Assert.InRange(refusals, 1, 2);
        await Task.Delay(700);
        Assert.Equal(refusals, relay.Logs.Lines.Count(l => l.Contains("refused agent", StringComparison.Ordinal)));
        Assert.Contains(relay.Logs.Lines, l => l.Contains("Tunnel t1: refused agent", StringComparison.Ordinal) && l.Contains("403", StringComparison.Ordinal));
        Assert.DoesNotContain(relay.Logs.Lines, l => l.Contains(badToken, StringComparison.Ordinal));
        Assert.DoesNotContain(origin.Logs.Lines, l => l.Contains(badToken, StringComparison.Ordinal));
        Assert.Equal(0, origin.Tunnel.Status.ConnectedConnections);
    }

    [Fact]
    public async Task Options_Invalid_AllErrorsReportedAtOnce()
    {
        var options = new Relay.TunnelRelayOptions();
        options.Tunnels.Add(new Relay.TunnelDefinition { Id = "a" });
        options.Ingress.Add(new Relay.TunnelIngressRule { Host = "x:80", TunnelId = "b", PathPrefix = "api" });

        var errors = options.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Throws<ArgumentException>(() => new TunnelEndPoint(new TunnelAgentOptions()));
    }
}
