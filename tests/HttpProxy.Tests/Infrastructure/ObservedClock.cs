using Microsoft.Extensions.Time.Testing;

namespace Edge.HttpProxy.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports how many of its timers are armed, so a test can wait for the
/// proxy to pause or start its response timeout (an event, not a sleep) before it advances the clock.
/// </summary>
internal sealed class ObservedClock : TimeProvider
{
    private readonly FakeTimeProvider _fake = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    public int Armed => Volatile.Read(ref _armed);

    public override long TimestampFrequency => _fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _fake.LocalTimeZone;

    public override long GetTimestamp() => _fake.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

    public void Advance(TimeSpan delta) => _fake.Advance(delta);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(this);
        timer.Inner = _fake.CreateTimer(
            s =>
            {
                timer.Fired();
                callback(s);
            },
            state,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds for the number of armed timers.</summary>
    public async Task WaitUntilArmedAsync(Func<int, bool> condition, TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(Armed))
            {
                return;
            }

            await changed.WaitAsync(cts.Token);
        }
    }

    private void Set(ref bool armed, bool value)
    {
        if (armed != value)
        {
            Interlocked.Add(ref _armed, value ? 1 : -1);
            armed = value;
        }

        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private sealed class ObservedTimer(ObservedClock clock) : ITimer
    {
        private readonly Lock _gate = new();
        private bool _armed;

        public ITimer Inner { get; set; } = null!;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                clock.Set(ref _armed, dueTime != Timeout.InfiniteTimeSpan);
            }

            return Inner.Change(dueTime, period);
        }

        public void Fired()
        {
            lock (_gate)
            {
                clock.Set(ref _armed, false);
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                clock.Set(ref _armed, false);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
