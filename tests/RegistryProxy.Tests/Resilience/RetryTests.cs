namespace Edge.RegistryProxy.Tests.Resilience;

public sealed class RetryTests
{
    /// <summary>Retries on; the breaker far from opening, so only retries are observed.</summary>
    private static ChannelBed Bed(Func<double>? randomizer = null, Action<Edge.RegistryProxy.Resilience.ResilienceOptions>? configure = null) => new(
        o =>
        {
            o.MinimumThroughput = 100;
            o.RetryAttempts = 2;
            o.RetryDelay = TimeSpan.FromMilliseconds(200);
            o.MaxRetryDelay = TimeSpan.FromSeconds(5);
            o.RetryBudget = TimeSpan.FromSeconds(10);
            configure?.Invoke(o);
        },
        randomizer);

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(0.7)]
    [InlineData(0.999)]
    public async Task SendAsync_ConnectionRefusedOnce_RetriedAfterJitteredDelayWithinBound(double random)
    {
        using var bed = Bed(() => random);
        bed.Handler.ThenRefuse();

        var send = bed.GetManifestAsync();
        var delay = await bed.Time.NextDelayAsync();
        var attemptsBefore = bed.Handler.Count;
        bed.Time.Advance(delay - TimeSpan.FromTicks(1));
        var attemptsJustBefore = bed.Handler.Count;
        bed.Time.Advance(TimeSpan.FromTicks(1));
        using var result = await send;

        Assert.InRange(delay, TimeSpan.FromTicks(1), bed.Options.Resilience.MaxRetryDelay);
        Assert.Equal(1, attemptsBefore);
        Assert.Equal(1, attemptsJustBefore);
        Assert.Equal(200, result.Status);
        Assert.Equal(2, bed.Handler.Count);
    }

    [Fact]
    public async Task SendAsync_Jitter_DelaysDifferWithTheRandomSource()
    {
        var delays = new HashSet<TimeSpan>();
        foreach (var random in new[] { 0.1, 0.5, 0.9 })
        {
            using var bed = Bed(() => random);
            bed.Handler.ThenRefuse();
            var send = bed.GetManifestAsync();
            var delay = await bed.Time.NextDelayAsync();
            delays.Add(delay);
            bed.Time.Advance(delay);
            (await send).Dispose();
        }

        Assert.Equal(3, delays.Count);
    }

    [Fact]
    public async Task SendAsync_ServerErrorEveryTime_RetriedBoundedTimesThenPassedThrough()
    {
        using var bed = Bed();
        using var metrics = new MetricsProbe(bed.Meter);
        bed.Handler.Otherwise((_, _) => Task.FromResult(ScriptedHandler.Status(502)));

        var send = bed.GetManifestAsync();
        var delays = new List<TimeSpan>();
        for (var i = 0; i < bed.Options.Resilience.RetryAttempts; i++)
        {
            delays.Add(await bed.Time.NextDelayAsync());
            bed.Time.Advance(delays[^1]);
        }

        using var result = await send;

        Assert.Equal(502, result.Status);
        Assert.Equal(3, bed.Handler.Count);
        Assert.False(bed.Time.HasPendingDelay);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, bed.Options.Resilience.MaxRetryDelay));
        Assert.Equal(2, metrics.Sum("edge.registry.upstream.retries", "docker"));
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterWithinBound_WaitsExactlyThatLongThenRetries()
    {
        using var bed = Bed();
        bed.Handler.ThenStatus(429, retryAfter: "2");

        var send = bed.GetManifestAsync();
        var delay = await bed.Time.NextDelayAsync();
        bed.Time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        var attemptsJustBefore = bed.Handler.Count;
        bed.Time.Advance(TimeSpan.FromTicks(1));
        using var result = await send;

        Assert.Equal(TimeSpan.FromSeconds(2), delay);
        Assert.Equal(1, attemptsJustBefore);
        Assert.Equal(200, result.Status);
        Assert.Equal(2, bed.Handler.Count);
    }

    [Fact]
    public async Task SendAsync_503WithRetryAfterDateWithinBound_WaitsUntilThatDate()
    {
        using var bed = Bed();
        var at = bed.Time.GetUtcNow().AddSeconds(3).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        bed.Handler.ThenStatus(503, retryAfter: at);

        var send = bed.GetManifestAsync();
        Assert.Equal(TimeSpan.FromSeconds(3), await bed.Time.NextDelayAsync());
        bed.Time.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        var attemptsJustBefore = bed.Handler.Count;
        bed.Time.Advance(TimeSpan.FromTicks(1));
        using var result = await send;

        Assert.Equal(1, attemptsJustBefore);
        Assert.Equal(200, result.Status);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task SendAsync_RetryAfterBeyondBound_PassedThroughAtOnceWithItsHeader(int status)
    {
        using var bed = Bed();
        bed.Handler.ThenStatus(status, retryAfter: "30");

        var send = bed.GetManifestAsync();
        var completedAtOnce = send.IsCompleted;
        using var result = await send;

        Assert.True(completedAtOnce);
        Assert.Equal(status, result.Status);
        Assert.Equal(TimeSpan.FromSeconds(30), result.Response!.Headers.RetryAfter?.Delta);
        Assert.Equal(1, bed.Handler.Count);
    }

    [Fact]
    public async Task SendAsync_429WithoutRetryAfter_NotRetried()
    {
        using var bed = Bed();
        bed.Handler.ThenStatus(429);

        using var result = await bed.GetManifestAsync();

        Assert.Equal(429, result.Status);
        Assert.Equal(1, bed.Handler.Count);
    }

    [Fact]
    public async Task SendAsync_RetryBudgetSpent_NoFurtherAttempt()
    {
        using var bed = Bed(configure: o => o.RetryBudget = TimeSpan.FromSeconds(1));
        // The first attempt takes 2 s of (fake) time to fail: past the budget, so it is the only one.
        bed.Handler.Then(async (request, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), bed.Time, ct);
            return await ScriptedHandler.Refused(request);
        });

        var send = bed.GetManifestAsync();
        bed.Time.Advance(await bed.Time.NextDelayAsync());
        using var result = await send;

        Assert.Equal(502, result.Failure?.StatusCode);
        Assert.Equal(1, bed.Handler.Count);
        Assert.False(bed.Time.HasPendingDelay);
    }

    [Fact]
    public async Task TokenFetch_PostIsNotIdempotent_NeverRetriedWhileGetIs()
    {
        using var bed = Bed();
        var realm = new Uri("http://auth.registry.test/token");
        bed.Handler.ThenStatus(503).ThenStatus(503)
            .Then((_, _) => Task.FromResult(ScriptedHandler.Status(200, body: """{"token":"t","expires_in":300}""")));

        var post = await bed.Tokens.PostAsync(bed.Upstream, realm, [new("grant_type", "refresh_token")], CancellationToken.None);
        var postAttempts = bed.Handler.Count;
        var get = bed.Tokens.GetAsync(bed.Upstream, realm, "registry.test", [], null, [], CancellationToken.None);
        bed.Time.Advance(await bed.Time.NextDelayAsync());
        var got = await get;

        Assert.Equal(503, post?.Status);
        Assert.Equal(1, postAttempts);
        Assert.Equal(3, bed.Handler.Count);
        Assert.Equal(HttpMethod.Get, bed.Handler.Requests[2].Method);
        Assert.True(got?.Succeeded);
        Assert.Equal("t", got?.Token);
    }

    [Fact]
    public async Task SendAsync_ClientCancelledDuringDelay_StopsWithoutAnotherAttempt()
    {
        using var bed = Bed();
        using var client = new CancellationTokenSource();
        bed.Handler.ThenRefuse();

        var send = bed.GetManifestAsync(cancellationToken: client.Token);
        await bed.Time.NextDelayAsync();
        await client.CancelAsync();
        bed.Time.Advance(bed.Options.Resilience.MaxRetryDelay);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal(1, bed.Handler.Count);
    }
}
