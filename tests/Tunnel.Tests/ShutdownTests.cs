using Edge.Tunnel.Agent;
using Edge.Tunnel.Tests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.Tunnel.Tests;

/// <summary>Graceful shutdown of both sides, on real Kestrel servers: stop taking new work, finish what is in flight.</summary>
public sealed class ShutdownTests
{
    private const int Megabytes = 48;
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongGrace = TimeSpan.FromSeconds(60);

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "timed out waiting for " + what);
    }

    private static int Connections(RelayHost relay) => relay.Relay.GetStatus().SingleOrDefault(s => s.TunnelId == "t1")?.Connections ?? 0;

    [Fact]
    public async Task RelayStop_DownloadInFlight_FinishesWhileNewConnectionsAreRefused()
    {
        await using var relay = await RelayHost.StartAsync(shutdownTimeout: LongGrace);
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new PublicClient(relay.Port);
        var (response, download) = await Downloads.StartAsync(client, Megabytes);
        using (response)
        using (download)
        {
            await download.ReadUntilAsync(4 * MiB);

            var stop = relay.StopAsync();
            var refused = await PortProbe.RefusesConnectionsAsync(relay.Port);
            var drainedEarly = relay.Relay.Drained.IsCompleted;
            var hash = await download.FinishAsync(Pause);
            await stop.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(refused, "the relay kept accepting connections while draining");
            Assert.False(drainedEarly, "agent connections closed while a download was in flight");
            Assert.Equal(Payload.ExpectedSha256(Megabytes), hash);
            Assert.True(relay.Relay.Drained.IsCompletedSuccessfully);
            Assert.Contains(relay.Logs.Lines, l => l.Contains("Relay draining: waiting for 1 forwarded request(s)", StringComparison.Ordinal));
        }

        // The agents saw their connections end and redial (the relay is gone, so they keep trying).
        await WaitForAsync(() => origin.Tunnel.Status.ConnectedConnections == 0, "the agent to notice the relay closed");
    }

    [Fact]
    public async Task RelayStop_NothingInFlight_DoesNotWaitForTheGracePeriod()
    {
        await using var relay = await RelayHost.StartAsync(shutdownTimeout: LongGrace);
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);
        using (var client = new PublicClient(relay.Port))
        {
            Assert.Equal(200, (await client.GetStringAsync("app.test", "/echo")).Status);
        }

        var stop = relay.StopAsync();
        var first = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20)));

        // Agent connections are upgraded requests that never end by themselves: without the drain Kestrel would
        // wait the whole 60 s grace period for them.
        Assert.Same(stop, first);
        Assert.True(relay.Relay.Drained.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task RelayStopping_NewAgentConnection_Refused503()
    {
        await using var relay = await RelayHost.StartAsync();
        relay.Relay.BeginStopping();

        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await WaitForAsync(() => origin.Tunnel.Status.FailedDials > 0, "a refused dial");

        Assert.Equal(0, origin.Tunnel.Status.ConnectedConnections);
        Assert.Contains("503", origin.Tunnel.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(0, Connections(relay));
    }

    [Fact]
    public async Task Drained_RequestArrivingAfterwards_Gets503()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);

        relay.Relay.Drain();
        await relay.Relay.Drained.WaitAsync(TimeSpan.FromSeconds(10));
        using var client = new PublicClient(relay.Port);
        var (status, body) = await client.GetStringAsync("app.test", "/echo");

        Assert.Equal(503, status);
        Assert.Equal("relay is stopping\n", body);
        Assert.Equal(0, Connections(relay));
    }

    [Fact]
    public async Task AgentStop_DownloadInFlight_FinishesAndNewRequestsGoToTheOtherAgentAtOnce()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var first = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri), "first", shutdownTimeout: LongGrace);
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new PublicClient(relay.Port);

        // The download goes to the first agent, the only one yet.
        var (response, download) = await Downloads.StartAsync(client, Megabytes);
        using (response)
        using (download)
        {
            await download.ReadUntilAsync(4 * MiB);
            await using var second = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri), "second");
            await relay.WaitForConnectionsAsync("t1", 4);

            var stopFirst = first.StopAsync();

            // Kestrel's GOAWAY takes the first agent's connections out of the relay's choice as it arrives.
            await WaitForAsync(() => Connections(relay) == 2, "the first agent's connections to go away");
            var answers = new List<(int Status, string Body)>();
            for (var i = 0; i < 20; i++)
            {
                answers.Add(await client.GetStringAsync("app.test", "/echo").WaitAsync(TimeSpan.FromSeconds(10)));
            }

            var hash = await download.FinishAsync(Pause);
            await stopFirst.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.All(answers, a => Assert.Equal(200, a.Status));
            Assert.All(answers, a => Assert.StartsWith("origin=second\n", a.Body, StringComparison.Ordinal));
            Assert.Equal(0, relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").Retries);
            Assert.Equal(Payload.ExpectedSha256(Megabytes), hash);
            Assert.Contains(relay.Logs.Lines, l => l.Contains("is going away (GOAWAY)", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AgentStop_OnlyAgent_NewRequests502WithoutWaiting()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri), "only", shutdownTimeout: LongGrace);
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new PublicClient(relay.Port);
        var (response, download) = await Downloads.StartAsync(client, Megabytes);
        using (response)
        using (download)
        {
            await download.ReadUntilAsync(4 * MiB);

            var stop = origin.StopAsync();
            await WaitForAsync(() => Connections(relay) == 0, "the agent's connections to go away");
            var (status, body) = await client.GetStringAsync("app.test", "/echo").WaitAsync(TimeSpan.FromSeconds(10));
            var hash = await download.FinishAsync(Pause);
            await stop.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(502, status);
            Assert.Contains("no connected agent", body, StringComparison.Ordinal);
            Assert.Equal(Payload.ExpectedSha256(Megabytes), hash);
            Assert.Equal(TunnelAgentState.Stopped, origin.Tunnel.Status.State);
        }
    }
}
