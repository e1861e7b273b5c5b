using System.Diagnostics;
using Edge.Tunnel.Agent;
using Edge.Tunnel.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Tunnel.Tests;

/// <summary>The relay's and agent's System.Diagnostics.Metrics instruments, read with a MeterListener while real
/// agents, relays and clients talk over loopback.</summary>
public sealed class MetricsTests
{
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Relay_Instruments_AgentsConnectionsRequestsBytesRefusalsAgreeWithStatus()
    {
        await using var relay = await RelayHost.StartAsync();
        using var recorder = new InstrumentRecorder(i => i.Meter == relay.Relay.Meter);
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 2));
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new PublicClient(relay.Port);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await client.GetStringAsync("app.test", "/echo")).Status);
        }

        Assert.Equal(404, (await client.GetStringAsync("app.test", "/missing")).Status);
        Assert.Equal(404, (await client.GetStringAsync("nowhere.test", "/")).Status);
        using (var upload = await client.SendAsync("app.test", "/upload", HttpMethod.Post, new ByteArrayContent(new byte[100_000])))
        {
            Assert.Equal(200, (int)upload.StatusCode);
        }

        // A wrong token for a configured tunnel, and a tunnel the relay does not know.
        await using var wrongToken = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, token: "wrong-token", connections: 1), "wrong");
        await using var unknownTunnel = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, tunnelId: "nope", connections: 1), "unknown");
        await Assert.ThrowsAsync<TunnelUnauthorizedException>(() => wrongToken.Tunnel.Status.Ready.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<TunnelUnauthorizedException>(() => unknownTunnel.Tunnel.Status.Ready.WaitAsync(TimeSpan.FromSeconds(10)));

        var observed = recorder.Observe();
        var t1 = relay.Relay.GetStatus().Single(s => s.TunnelId == "t1");

        Assert.Equal(1, observed.Value("edge.tunnel.relay.agents", ("tunnel", "t1")));
        Assert.Equal(2, observed.Value("edge.tunnel.relay.connections", ("tunnel", "t1")));
        Assert.Equal(0, observed.Value("edge.tunnel.relay.connections", ("tunnel", "t2")));
        Assert.Equal(0, observed.Value("edge.tunnel.relay.active_requests", ("tunnel", "t1")));
        Assert.Equal(4, observed.Value("edge.tunnel.relay.requests", ("tunnel", "t1"), ("status", "200")));
        Assert.Equal(1, observed.Value("edge.tunnel.relay.requests", ("tunnel", "t1"), ("status", "404")));
        Assert.InRange(observed.Value("edge.tunnel.relay.bytes", ("tunnel", "t1"), ("direction", "to_agent")), 100_000, 100_000);
        Assert.Equal(t1.BytesFromAgent, observed.Value("edge.tunnel.relay.bytes", ("tunnel", "t1"), ("direction", "from_agent")));
        Assert.True(t1.BytesFromAgent > 0);
        Assert.Equal(0, observed.Value("edge.tunnel.relay.retries", ("tunnel", "t1")));
        Assert.Equal(0, observed.Value("edge.tunnel.relay.client_aborts", ("tunnel", "t1")));
        Assert.Equal(2, observed.Value("edge.tunnel.relay.agent_handshakes", ("tunnel", "t1"), ("outcome", "accepted")));
        Assert.Equal(1, observed.Value("edge.tunnel.relay.agent_handshakes", ("tunnel", "t1"), ("outcome", "refused")));
        Assert.Equal(1, observed.Value("edge.tunnel.relay.agent_handshakes", ("outcome", "refused")));
        Assert.Equal(1, observed.Value("edge.tunnel.relay.unrouted_requests"));
        Assert.Equal(1, t1.AgentConnectionsRefused);
        Assert.Equal(1, relay.Relay.UnattributedAgentRefusals);
        Assert.DoesNotContain(observed, m => m.Tags.Values.Contains("nope"));
        Assert.Equal("By", observed.First(m => m.Instrument == "edge.tunnel.relay.bytes").Unit);
    }

    [Fact]
    public async Task Relay_ActiveRequests_CountsRequestsInFlight()
    {
        await using var relay = await RelayHost.StartAsync();
        using var recorder = new InstrumentRecorder(i => i.Meter == relay.Relay.Meter);
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 1));
        await relay.WaitForConnectionsAsync("t1", 1);
        using var client = new PublicClient(relay.Port);

        var slow = Enumerable.Range(0, 3).Select(_ => client.GetStringAsync("app.test", "/slow")).ToArray();
        await WaitUntilAsync(() => recorder.Observe().Value("edge.tunnel.relay.active_requests", ("tunnel", "t1")) == 3, "3 requests in flight");
        await Task.WhenAll(slow);

        Assert.Equal(0, recorder.Observe().Value("edge.tunnel.relay.active_requests", ("tunnel", "t1")));
    }

    [Fact]
    public async Task Agent_Instruments_ConnectionsStateConnectDurationAndReconnects()
    {
        // Listening before the agent starts: the connect duration is recorded as each dial completes.
        using var recorder = new InstrumentRecorder(i => i.Meter.Name == TunnelTransportFactory.MeterName);
        var relay = await RelayHost.StartAsync();
        var port = relay.Port;
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 2));
        await relay.WaitForConnectionsAsync("t1", 2);

        var observed = recorder.Observe();
        Assert.Equal(2, observed.Value("edge.tunnel.agent.connections", ("tunnel", "t1")));
        Assert.Equal(1, observed.Value("edge.tunnel.agent.state", ("tunnel", "t1"), ("state", "ready")));
        Assert.Equal(0, observed.Value("edge.tunnel.agent.state", ("tunnel", "t1"), ("state", "connecting")));
        Assert.Equal(0, observed.Value("edge.tunnel.agent.reconnects", ("tunnel", "t1")));
        Assert.Equal(0, observed.Value("edge.tunnel.agent.failed_dials", ("tunnel", "t1")));
        var dials = recorder.Recorded.Where(m => m.Instrument == "edge.tunnel.agent.connect.duration").ToList();
        Assert.Equal(2, dials.Count);
        Assert.All(dials, d =>
        {
            Assert.Equal("s", d.Unit);
            Assert.True(d.Has(("tunnel", "t1")));
            Assert.InRange(d.Value, double.Epsilon, origin.Tunnel.Options.HandshakeTimeout.TotalSeconds);
        });

        // The relay goes away and comes back on the same port: the pool reconnects and says so.
        await relay.DisposeAsync();
        await WaitUntilAsync(() => recorder.Observe().Value("edge.tunnel.agent.connections", ("tunnel", "t1")) == 0, "connections down");
        await using var restarted = await RelayHost.StartAsync(port: port);
        await restarted.WaitForConnectionsAsync("t1", 2);
        await WaitUntilAsync(() => recorder.Observe().Value("edge.tunnel.agent.connections", ("tunnel", "t1")) == 2, "connections up again");

        var after = recorder.Observe();
        // At least one redial per slot (a slot may also have reached the old relay while it was stopping); every
        // successful dial is one connect duration.
        var reconnects = after.Value("edge.tunnel.agent.reconnects", ("tunnel", "t1"));
        Assert.True(reconnects >= 2, $"{reconnects} reconnects");
        Assert.Equal(origin.Tunnel.Status.Reconnects, reconnects);
        Assert.Equal(origin.Tunnel.Status.FailedDials, after.Value("edge.tunnel.agent.failed_dials", ("tunnel", "t1")));
        Assert.Equal(1, after.Value("edge.tunnel.agent.state", ("tunnel", "t1"), ("state", "ready")));
        Assert.Equal(2 + reconnects, recorder.Recorded.Count(m => m.Instrument == "edge.tunnel.agent.connect.duration"));
    }

    [Fact]
    public async Task Agent_ConnectDuration_MeasuredWithTheInjectedTimeProvider()
    {
        using var recorder = new InstrumentRecorder(i => i.Meter.Name == TunnelTransportFactory.MeterName);
        var time = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(250) };
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, connections: 1), time: time);
        await relay.WaitForConnectionsAsync("t1", 1);
        await WaitUntilAsync(() => recorder.Recorded.Any(m => m.Instrument == "edge.tunnel.agent.connect.duration"), "a connect duration");

        // Every reading of this clock advances it by exactly 250 ms: one dial reads it twice.
        var recorded = recorder.Recorded.Single(m => m.Instrument == "edge.tunnel.agent.connect.duration");
        Assert.Equal(0.25, recorded.Value, 9);
    }

    [Fact]
    public async Task Agent_Unauthorized_StateReported()
    {
        using var recorder = new InstrumentRecorder(i => i.Meter.Name == TunnelTransportFactory.MeterName);
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri, token: "wrong-token", connections: 1));
        await Assert.ThrowsAsync<TunnelUnauthorizedException>(() => origin.Tunnel.Status.Ready.WaitAsync(TimeSpan.FromSeconds(10)));

        var observed = recorder.Observe();

        Assert.Equal(1, observed.Value("edge.tunnel.agent.state", ("tunnel", "t1"), ("state", "unauthorized")));
        Assert.Equal(0, observed.Value("edge.tunnel.agent.state", ("tunnel", "t1"), ("state", "ready")));
        Assert.Equal(0, observed.Value("edge.tunnel.agent.connections", ("tunnel", "t1")));
        Assert.DoesNotContain(recorder.Recorded, m => m.Instrument == "edge.tunnel.agent.connect.duration");
    }
}
