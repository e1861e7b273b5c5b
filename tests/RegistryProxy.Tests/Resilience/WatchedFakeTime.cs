using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Resilience;

/// <summary>
/// <see cref="FakeTimeProvider"/> that also reports each delay scheduled on it (a timer created with a finite due time,
/// such as a retry's backoff), so a test advances the clock only once the code is waiting on it. Timeouts' token
/// sources create their timers unscheduled and are not reported.
/// </summary>
internal sealed class WatchedFakeTime(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _delays = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _delays.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>The next delay scheduled (waits at most 10 s of real time for it).</summary>
    public async Task<TimeSpan> NextDelayAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _delays.Reader.ReadAsync(limit.Token);
    }

    /// <summary>Whether a delay was scheduled and not yet taken by <see cref="NextDelayAsync"/>.</summary>
    public bool HasPendingDelay => _delays.Reader.TryPeek(out _);
}
