using System.Diagnostics;
using System.Globalization;
using System.Net;
using Edge.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// The relay dies (SIGKILL), stays down for a few seconds (so agents' redials fail and back off), and a new one starts
/// on the same port: agents, left with their default redial settings, find it by themselves and serve again.
/// </summary>
public sealed class TunnelRelayRestartTests(ITestOutputHelper output)
{
    private const string PublicHost = "restart.tunnel.test";

    /// <summary>Generous: the default backoff (1 s doubling, ×1.25 jitter) redials at most ~10 s apart after a short outage.</summary>
    private static readonly TimeSpan ReconnectBound = TimeSpan.FromSeconds(15);

    /// <summary>How long the relay stays away: long enough for several failed redials, as in a real outage or redeploy.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Relay_KilledAndRestartedOnSamePort_BothAgentsReconnectAndServeWithinSeconds()
    {
        await using var origin = await TunnelOrigin.StartAsync();
        await using var relay = await TunnelSetup.Relay(PublicHost).StartAsync();
        // Each agent names itself in the Host it sends the origin, so the origin's echo tells who served.
        await using var agentA = await TunnelSetup.HttpProxyAgent(relay, origin.Url).WithSetting("Functions:app:Vars:HostHeader", "agent-a").StartAsync();
        await using var agentB = await TunnelSetup.HttpProxyAgent(relay, origin.Url).WithSetting("Functions:app:Vars:HostHeader", "agent-b").StartAsync();
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agentA, HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agentB, HttpStatusCode.OK));
        using var http = new HttpClient(TunnelSetup.RelayHandler(relay)) { Timeout = TimeSpan.FromSeconds(5) };
        var before = await ServedByAsync(http, relay, ReconnectBound);
        Assert.True(before.Count == 2, "before the restart, requests did not reach both agents: " + string.Join(",", before) + relay.Output);

        relay.Kill();
        // Both agents notice their connections are gone (bounded poll inside).
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await TunnelSetup.WaitForReadyAsync(agentA, HttpStatusCode.ServiceUnavailable));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await TunnelSetup.WaitForReadyAsync(agentB, HttpStatusCode.ServiceUnavailable));
        await Task.Delay(Outage);
        var starting = Stopwatch.StartNew();
        await relay.StartAsync();
        var relayStarted = starting.Elapsed;
        var back = Stopwatch.StartNew();
        var firstServed = await FirstSuccessAsync(http, relay, ReconnectBound);
        var after = await ServedByAsync(http, relay, ReconnectBound);
        var bothServing = back.Elapsed;

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"relay down {Outage.TotalSeconds:0} s, new relay up in {relayStarted.TotalSeconds:0.0} s; first request served {firstServed?.TotalSeconds:0.0} s after the new relay was up; both agents serving after {bothServing.TotalSeconds:0.0} s"));
        Assert.True(firstServed is not null, $"no request was served within {ReconnectBound} of the relay's restart." + relay.Output + agentA.Output);
        Assert.True(after.Count == 2 && bothServing < ReconnectBound, $"after the restart only [{string.Join(",", after)}] served within {bothServing}." + relay.Output + agentA.Output + agentB.Output);
    }

    /// <summary>Time until a public request first succeeds, polling every 100 ms for at most <paramref name="bound"/>.</summary>
    private static async Task<TimeSpan?> FirstSuccessAsync(HttpClient http, EdgeProcess relay, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 1000 && clock.Elapsed < bound; i++)
        {
            if (await TryEchoAsync(http, relay) is not null)
            {
                return clock.Elapsed;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>The agents (by the Host the origin saw) that served public requests, polling (at least 20 ms apart)
    /// until both did or the bound passed.</summary>
    private static async Task<HashSet<string>> ServedByAsync(HttpClient http, EdgeProcess relay, TimeSpan bound)
    {
        var served = new HashSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 1000 && served.Count < 2 && clock.Elapsed < bound; i++)
        {
            if (await TryEchoAsync(http, relay) is { } host)
            {
                served.Add(host);
            }

            // Pause after successes too: quick answers from one agent must not use up the iterations before the
            // other has redialed (1000 × 20 ms outlasts the bound).
            if (served.Count < 2)
            {
                await Task.Delay(20);
            }
        }

        return served;
    }

    private static async Task<string?> TryEchoAsync(HttpClient http, EdgeProcess relay)
    {
        try
        {
            using var response = await http.GetAsync(TunnelSetup.PublicUri(relay, PublicHost, "/echo"));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            var host = (await response.Content.ReadAsStringAsync()).Split('\n')[0];
            return host.StartsWith("host=", StringComparison.Ordinal) ? host["host=".Length..] : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }
}
