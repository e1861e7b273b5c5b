using System.Diagnostics;
using Edge.Tunnel.Agent;
using Edge.Tunnel.Tests.Infrastructure;

namespace Edge.Tunnel.Tests;

public sealed class HighAvailabilityTests
{
    [Fact]
    public async Task TwoAgents_OneStops_LaterRequestsAllSucceedViaTheOther()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var first = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri), "first");
        await using var second = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri), "second");
        await relay.WaitForConnectionsAsync("t1", 4);
        Assert.Equal(2, relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").Agents);
        using var client = new PublicClient(relay.Port);

        // Both agents take requests while both are up.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20; i++)
        {
            var (status, body) = await client.GetStringAsync("app.test", "/echo");
            Assert.Equal(200, status);
            seen.Add(body.Split('\n')[0]);
        }

        Assert.Equal(["origin=first", "origin=second"], seen.Order(StringComparer.Ordinal));

        await first.StopAsync();

        for (var i = 0; i < 50; i++)
        {
            var (status, body) = await client.GetStringAsync("app.test", "/echo");
            Assert.True(status == 200, $"request {i}: {status} {body}");
            Assert.StartsWith("origin=second\n", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RelayRestart_AgentReconnectsAndServesAgain()
    {
        var relay = await RelayHost.StartAsync();
        var port = relay.Port;
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);
        using (var client = new PublicClient(port))
        {
            Assert.Equal(200, (await client.GetStringAsync("app.test", "/echo")).Status);
        }

        await relay.DisposeAsync();
        var watch = Stopwatch.StartNew();
        await using var restarted = await RelayHost.StartAsync(port: port);
        await restarted.WaitForConnectionsAsync("t1", 2, TimeSpan.FromSeconds(5));
        using (var client = new PublicClient(port))
        {
            var (status, body) = await client.GetStringAsync("app.test", "/echo");
            Assert.True(status == 200, body);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"served again after {watch.Elapsed}");
        Assert.Equal(TunnelAgentState.Ready, origin.Tunnel.Status.State);
        Assert.True(origin.Tunnel.Status.Reconnects >= 2);
    }

    [Fact]
    public async Task Forward_ConnectionsGoneBeforeSending_RetriedOnAnotherConnection()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 3));
        await relay.WaitForConnectionsAsync("t1", 3);
        using var client = new PublicClient(relay.Port);
        var connections = relay.Relay.Registry.All();

        // Two of three connections look alive but refuse to connect: requests must still all succeed, with a body too.
        connections[0].SimulateEndedHttp2Connection();
        connections[1].SimulateEndedHttp2Connection();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.SendAsync("app.test", "/upload", HttpMethod.Post, new ByteArrayContent(new byte[1000]));
            Assert.Equal(200, (int)response.StatusCode);
            Assert.StartsWith("1000 ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var t1 = relay.Relay.GetStatus().Single(s => s.TunnelId == "t1");
        Assert.InRange(t1.Retries, 1, 2);
        Assert.Contains(relay.Logs.Lines, l => l.Contains("POST /upload to the agent of tunnel t1: attempt 1 failed", StringComparison.Ordinal) && l.Contains("sending again on another connection", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    public async Task Forward_IdempotentRequestWhoseAgentDiesBeforeAnswering_SentAgainToTheOtherAgent(string method)
    {
        await using var relay = await RelayHost.StartAsync();
        await using var first = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 1), "first");
        await relay.WaitForConnectionsAsync("t1", 1);
        var firstAgent = relay.Relay.Registry.All().Single().AgentId;
        using var client = new PublicClient(relay.Port);

        // The request reaches the only agent, "first", whose origin holds it; then "second" connects.
        var pending = client.SendAsync("app.test", "/hold", new HttpMethod(method), null);
        await first.Held.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var second = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 1), "second");
        await relay.WaitForConnectionsAsync("t1", 2);

        KillConnectionsOf(relay, firstAgent);
        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(200, (int)response.StatusCode);
        if (method != "HEAD")
        {
            Assert.Equal($"origin=second method={method} body=0", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").Retries);
        Assert.Contains(relay.Logs.Lines, l => l.Contains($"{method} /hold to the agent of tunnel t1: attempt 1 failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_PostWhoseAgentDiesBeforeAnswering_NotSentAgain502()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var first = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 1), "first");
        await relay.WaitForConnectionsAsync("t1", 1);
        var firstAgent = relay.Relay.Registry.All().Single().AgentId;
        using var client = new PublicClient(relay.Port);

        var pending = client.SendAsync("app.test", "/hold", HttpMethod.Post, new ByteArrayContent(new byte[100]));
        await first.Held.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var second = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 1), "second");
        await relay.WaitForConnectionsAsync("t1", 2);

        KillConnectionsOf(relay, firstAgent);
        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        // The first agent's origin had the request: sending it again elsewhere could run it twice.
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("Bad gateway: the agent of tunnel t1 closed the connection or sent an invalid response.\n", await response.Content.ReadAsStringAsync());
        Assert.Contains(relay.Logs.Lines, l => l.Contains("POST /hold to tunnel t1 failed (UpstreamFailed): answered 502.", StringComparison.Ordinal));
        Assert.Equal(0, relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").Retries);
    }

    private static void KillConnectionsOf(RelayHost relay, string agentId)
    {
        foreach (var connection in relay.Relay.Registry.All().Where(c => c.AgentId == agentId))
        {
            connection.Kill();
        }
    }

    [Fact]
    public async Task ConcurrentRequests_SpreadOverConnections()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 4));
        await relay.WaitForConnectionsAsync("t1", 4);
        using var client = new PublicClient(relay.Port);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.GetStringAsync("app.test", "/slow")));

        Assert.All(results, r => Assert.Equal((200, "slow done"), r));
        var t1 = relay.Relay.GetStatus().Single(s => s.TunnelId == "t1");
        Assert.Equal(40, t1.ResponsesByStatus[200]);
        Assert.Equal(0, t1.InFlight);
    }
}
