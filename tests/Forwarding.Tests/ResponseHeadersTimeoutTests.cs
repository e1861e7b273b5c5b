using Microsoft.Extensions.Time.Testing;

namespace Edge.Forwarding.Tests;

public sealed class ResponseHeadersTimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public void Token_LimitPasses_CancelledAndExpired()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);

        time.Advance(Limit - TimeSpan.FromTicks(1));
        var before = timeout.Token.IsCancellationRequested;
        time.Advance(TimeSpan.FromTicks(1));

        Assert.False(before);
        Assert.True(timeout.Token.IsCancellationRequested);
        Assert.True(timeout.Expired);
    }

    [Fact]
    public void Pause_WaitingOnClient_NotCountedAndResumeStartsOver()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);

        time.Advance(TimeSpan.FromSeconds(9));
        timeout.Pause();
        time.Advance(TimeSpan.FromHours(1));
        timeout.Resume();
        time.Advance(TimeSpan.FromSeconds(9));
        var afterResume = timeout.Token.IsCancellationRequested;
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(afterResume);
        Assert.True(timeout.Expired);
    }

    [Fact]
    public void Stop_HeadersArrived_NeverExpiresEvenIfResumedByALateBodyWrite()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);

        timeout.Stop();
        timeout.Resume();
        time.Advance(TimeSpan.FromDays(1));

        Assert.False(timeout.Token.IsCancellationRequested);
        Assert.False(timeout.Expired);
    }

    [Fact]
    public void Cancel_ExchangeAbandoned_TokenCancelledButNotExpired()
    {
        var time = new FakeTimeProvider();
        using var timeout = new ResponseHeadersTimeout(Limit, time);

        timeout.Cancel();
        time.Advance(Limit);

        Assert.True(timeout.Token.IsCancellationRequested);
        Assert.False(timeout.Expired);
    }
}
