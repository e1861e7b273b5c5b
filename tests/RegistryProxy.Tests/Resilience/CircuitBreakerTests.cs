using System.Text.Json;
using Edge.RegistryProxy.Errors;
using Polly.CircuitBreaker;

namespace Edge.RegistryProxy.Tests.Resilience;

public sealed class CircuitBreakerTests
{
    /// <summary>Two failures in a row open it; no retries, so each request is one attempt.</summary>
    private static ChannelBed Bed() => new(o =>
    {
        o.MinimumThroughput = 2;
        o.FailureRatio = 0.5;
        o.RetryAttempts = 0;
        o.BreakDuration = TimeSpan.FromSeconds(30);
    });

    [Fact]
    public async Task SendAsync_FailuresReachThreshold_OpensAndRejectsAtOnceWithRegistryErrorNamingUpstream()
    {
        using var bed = Bed();
        bed.Handler.Otherwise((request, _) => ScriptedHandler.Refused(request));

        using var first = await bed.GetManifestAsync();
        using var second = await bed.GetManifestAsync();
        var third = bed.GetManifestAsync();
        var completedAtOnce = third.IsCompleted;
        using var rejected = await third;

        Assert.Equal(502, first.Failure?.StatusCode);
        Assert.Equal(502, second.Failure?.StatusCode);
        Assert.Equal(CircuitState.Open, bed.Channel.Circuit);
        Assert.True(completedAtOnce, "a request while the circuit is open must not wait for anything");
        Assert.Equal(2, bed.Handler.Count);
        var error = Assert.IsType<RegistryError>(rejected.Failure);
        Assert.Equal(RegistryErrorCode.Unavailable, error.Code);
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("upstream 'docker' (http://registry.test:5000) is considered down", error.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused (registry.test:5000)", error.Message, StringComparison.Ordinal);
        Assert.Contains(new KeyValuePair<string, string>("Retry-After", "30"), error.Headers);
        Assert.True(bed.Logged(110, "Upstream docker is considered down for 00:00:30: Connection refused (registry.test:5000)"), string.Join('\n', bed.Log.Entries));
    }

    [Fact]
    public async Task SendAsync_BreakElapsed_OneProbeHalfOpensAndItsSuccessCloses()
    {
        using var bed = Bed();
        bed.Handler.ThenRefuse().ThenRefuse();
        (await bed.GetManifestAsync()).Dispose();
        (await bed.GetManifestAsync()).Dispose();
        Assert.Equal(CircuitState.Open, bed.Channel.Circuit);

        bed.Time.Advance(bed.BreakDuration - TimeSpan.FromMilliseconds(1));
        using var stillOpen = await bed.GetManifestAsync();
        bed.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var probe = await bed.GetManifestAsync();

        Assert.Equal(503, stillOpen.Failure?.StatusCode);
        Assert.Contains(new KeyValuePair<string, string>("Retry-After", "1"), stillOpen.Failure!.Headers);
        Assert.Equal(200, probe.Status);
        Assert.Equal(3, bed.Handler.Count);
        Assert.Equal(CircuitState.Closed, bed.Channel.Circuit);
        Assert.True(bed.Logged(111, "Upstream docker circuit half-open"));
        Assert.True(bed.Logged(112, "Upstream docker answers again: circuit closed"));
    }

    [Fact]
    public async Task SendAsync_ProbeFails_OpensAgainForAnotherBreak()
    {
        using var bed = Bed();
        bed.Handler.Otherwise((request, _) => ScriptedHandler.Refused(request));
        (await bed.GetManifestAsync()).Dispose();
        (await bed.GetManifestAsync()).Dispose();

        bed.Time.Advance(bed.BreakDuration);
        using var probe = await bed.GetManifestAsync();
        using var afterProbe = await bed.GetManifestAsync();

        Assert.Equal(502, probe.Failure?.StatusCode);
        Assert.Equal(503, afterProbe.Failure?.StatusCode);
        Assert.Equal(3, bed.Handler.Count);
        Assert.Equal(CircuitState.Open, bed.Channel.Circuit);
        Assert.Equal(2, bed.Log.Entries.Count(e => e.EventId == 110));
    }

    [Fact]
    public async Task SendAsync_ClientAbandonsTheProbe_CircuitStaysOpen()
    {
        using var bed = Bed();
        var probeSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bed.Handler.ThenRefuse().ThenRefuse().Otherwise(async (_, ct) =>
        {
            probeSent.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("never answers");
        });
        (await bed.GetManifestAsync()).Dispose();
        (await bed.GetManifestAsync()).Dispose();
        bed.Time.Advance(bed.BreakDuration);
        using var client = new CancellationTokenSource();

        var probe = bed.GetManifestAsync(cancellationToken: client.Token);
        await probeSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(CircuitState.Open, bed.Channel.Circuit);
        Assert.Equal(3, bed.Handler.Count);
        Assert.DoesNotContain(bed.Log.Entries, e => e.EventId == 112);
    }

    [Fact]
    public async Task SendAsync_ClientLeavesWhileClosed_NotAFailure()
    {
        using var bed = Bed();
        bed.Handler.Otherwise(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("never answers");
        });

        for (var i = 0; i < 3; i++)
        {
            using var client = new CancellationTokenSource();
            var send = bed.GetManifestAsync(cancellationToken: client.Token);
            await client.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(CircuitState.Closed, bed.Channel.Circuit);
    }

    [Fact]
    public async Task SendAsync_ServerErrors_OpenTheCircuit()
    {
        using var bed = Bed();
        bed.Handler.Otherwise((_, _) => Task.FromResult(ScriptedHandler.Status(502)));

        (await bed.GetManifestAsync()).Dispose();
        (await bed.GetManifestAsync()).Dispose();
        using var rejected = await bed.GetManifestAsync();

        Assert.Equal(CircuitState.Open, bed.Channel.Circuit);
        Assert.Contains("(last failure: HTTP 502)", rejected.Failure?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(429)]
    public async Task SendAsync_UpstreamAnswersClientErrors_CircuitStaysClosed(int status)
    {
        using var bed = Bed();
        bed.Handler.Otherwise((_, _) => Task.FromResult(ScriptedHandler.Status(status)));

        for (var i = 0; i < 10; i++)
        {
            using var result = await bed.GetManifestAsync();
            Assert.Equal(status, result.Status);
        }

        Assert.Equal(CircuitState.Closed, bed.Channel.Circuit);
        Assert.Equal(10, bed.Handler.Count);
    }

    [Fact]
    public async Task TokenFetch_RealmDown_CountsForItsUpstreamAndFailsAtOnceWhileOpen()
    {
        using var bed = Bed();
        bed.Handler.Otherwise((request, _) => ScriptedHandler.Refused(request));
        var realm = new Uri("http://auth.registry.test/token");

        var first = await bed.Tokens.GetAsync(bed.Upstream, realm, "registry.test", ["repository:library/app:pull"], null, [], CancellationToken.None);
        var second = await bed.Tokens.GetAsync(bed.Upstream, realm, "registry.test", ["repository:library/app:pull"], null, [], CancellationToken.None);
        using var manifest = await bed.GetManifestAsync();

        Assert.Null(first);
        Assert.Null(second);
        Assert.Equal(CircuitState.Open, bed.Channel.Circuit);
        Assert.Equal(503, manifest.Failure?.StatusCode);
        Assert.Equal(2, bed.Handler.Count);
    }

    [Fact]
    public async Task CircuitGauge_FollowsTheStateAndRejectionsAreCounted()
    {
        using var bed = Bed();
        using var metrics = new MetricsProbe(bed.Meter);
        bed.Handler.ThenRefuse().ThenRefuse();

        var closed = metrics.Circuit("docker");
        (await bed.GetManifestAsync()).Dispose();
        (await bed.GetManifestAsync()).Dispose();
        var open = metrics.Circuit("docker");
        (await bed.GetManifestAsync()).Dispose();
        bed.Time.Advance(bed.BreakDuration);
        (await bed.GetManifestAsync()).Dispose();
        var closedAgain = metrics.Circuit("docker");

        Assert.Equal(0, closed);
        Assert.Equal(2, open);
        Assert.Equal(0, closedAgain);
        Assert.Equal(1, metrics.Sum("edge.registry.upstream.rejections", "docker"));
    }

    [Fact]
    public async Task WriteAsync_OpenCircuitError_IsTheRegistryJsonWithRetryAfter()
    {
        using var bed = Bed();
        bed.Handler.Otherwise((request, _) => ScriptedHandler.Refused(request));
        (await bed.GetManifestAsync()).Dispose();
        (await bed.GetManifestAsync()).Dispose();
        using var rejected = await bed.GetManifestAsync();
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Response.Body = new MemoryStream();

        await rejected.Failure!.WriteAsync(http.Response, CancellationToken.None);

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("30", http.Response.Headers.RetryAfter.ToString());
        http.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(http.Response.Body);
        var entry = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("UNAVAILABLE", entry.GetProperty("code").GetString());
        Assert.StartsWith("upstream 'docker' (http://registry.test:5000) is considered down", entry.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
