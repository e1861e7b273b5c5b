using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Edge.Functions;
using Edge.Host.Configuration;
using Edge.Host.Hosting;
using Edge.Host.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Host.Tests.Scheduling;

/// <summary>
/// The scheduler on a fake clock: each test waits for a schedule's loop to announce the occurrence it waits for, then
/// moves the clock there, so nothing depends on how fast threads run.
/// </summary>
public sealed class FunctionSchedulerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, 500, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly BackgroundWork _background = new(NullLogger<BackgroundWork>.Instance);
    private readonly FunctionScheduler _scheduler;
    private readonly Channel<DateTimeOffset> _waiting = Channel.CreateUnbounded<DateTimeOffset>();
    private readonly Channel<ScheduleRun> _completed = Channel.CreateUnbounded<ScheduleRun>();
    private readonly ProxiedInvokers _proxied = new(new OutboundHttpOptions());
    private readonly HttpMessageInvoker _http = new(new HttpClientHandler());

    public FunctionSchedulerTests()
    {
        _scheduler = new FunctionScheduler(_background, _time, NullLogger<FunctionScheduler>.Instance);
        _scheduler.Waiting += (_, _, next) => _waiting.Writer.TryWrite(next);
        _scheduler.Completed += run => _completed.Writer.TryWrite(run);
    }

    public async ValueTask DisposeAsync()
    {
        await _scheduler.StopAsync(CancellationToken.None);
        _scheduler.Dispose();
        _background.Dispose();
        _proxied.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task Run_SecondsSchedule_RunsAtEachOccurrenceWithItsTime()
    {
        var handler = new RecordingHandler();
        await StartAsync(handler, "*/10 * * * * *");

        var first = await ReachNextOccurrenceAsync();
        var run1 = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var second = await ReachNextOccurrenceAsync();
        var run2 = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 12, 0, 10, TimeSpan.Zero), first);
        Assert.Equal(first.AddSeconds(10), second);
        Assert.Equal((ScheduleOutcome.Succeeded, first), (run1.Outcome, run1.ScheduledTime));
        Assert.Equal((ScheduleOutcome.Succeeded, second), (run2.Outcome, run2.ScheduledTime));
        Assert.Equal(
            [new ScheduledEvent("*/10 * * * * *", "UTC", first), new ScheduledEvent("*/10 * * * * *", "UTC", second)],
            handler.Events);
    }

    [Fact]
    public async Task Run_PreviousRunStillGoing_OccurrenceSkippedNeverOverlaps()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingHandler(release.Task);
        await StartAsync(handler, "* * * * * *");

        var first = await ReachNextOccurrenceAsync();
        var second = await ReachNextOccurrenceAsync();
        var skipped = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();
        var finished = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var third = await ReachNextOccurrenceAsync();
        var ranAgain = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((ScheduleOutcome.Skipped, second), (skipped.Outcome, skipped.ScheduledTime));
        Assert.Equal((ScheduleOutcome.Succeeded, first), (finished.Outcome, finished.ScheduledTime));
        Assert.Equal((ScheduleOutcome.Succeeded, third), (ranAgain.Outcome, ranAgain.ScheduledTime));
        Assert.Equal(1, handler.MaxConcurrent);
        Assert.Equal([first, third], handler.Events.Select(e => e.ScheduledTime));
    }

    [Fact]
    public async Task Run_HandlerThrows_FailureRecordedAndTheNextOccurrenceRuns()
    {
        var handler = new RecordingHandler(fail: true);
        await StartAsync(handler, "*/5 * * * * *");

        await ReachNextOccurrenceAsync();
        var failed = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await ReachNextOccurrenceAsync();
        var next = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ScheduleOutcome.Failed, failed.Outcome);
        Assert.Equal(ScheduleOutcome.Failed, next.Outcome);
        Assert.Equal(2, handler.Events.Count);
    }

    [Fact]
    public async Task Run_PastTheFunctionsDeadline_TokenCancelledAndTimedOut()
    {
        var handler = new RecordingHandler(Task.Delay(Timeout.Infinite));
        await StartAsync(handler, "0 * * * * *", timeout: TimeSpan.FromSeconds(5));

        var occurrence = await ReachNextOccurrenceAsync();
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(5));
        var run = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((ScheduleOutcome.TimedOut, occurrence), (run.Outcome, run.ScheduledTime));
        Assert.Equal(TimeSpan.FromSeconds(5), run.Duration);
    }

    [Fact]
    public async Task Stop_RunGoing_RunCancelledAndStopReturns()
    {
        var handler = new RecordingHandler(Task.Delay(Timeout.Infinite));
        await StartAsync(handler, "* * * * * *");

        await ReachNextOccurrenceAsync();
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await _scheduler.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var run = await _completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ScheduleOutcome.Canceled, run.Outcome);
    }

    [Theory]
    [InlineData("0 9 * * *", "Europe/Berlin", "2026-12-03T08:00:00Z")]
    [InlineData("0 9 * * *", "UTC", "2026-12-03T09:00:00Z")]
    [InlineData("30 0 9 * * *", "America/New_York", "2026-12-03T14:00:30Z")]
    [InlineData("@daily", "Asia/Tokyo", "2026-12-03T15:00:00Z")]
    public void Next_ReadInTheSchedulesTimeZone(string cron, string zone, string expected)
    {
        var schedule = FunctionSchedule.TryCreate(new ScheduleOptions { Cron = cron, TimeZone = zone }, out var error);

        Assert.Null(error);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), schedule!.Next(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(null, "UTC", "Cron is required")]
    [InlineData("* * * *", "UTC", "Cron '* * * *' has 4 fields")]
    [InlineData("61 * * * *", "UTC", "Cron '61 * * * *' is not valid")]
    [InlineData("0 9 * * *", "Mars/Olympus", "TimeZone 'Mars/Olympus' is not a time zone known to this machine")]
    public void TryCreate_Invalid_SaysWhy(string? cron, string zone, string expected)
    {
        var schedule = FunctionSchedule.TryCreate(new ScheduleOptions { Cron = cron, TimeZone = zone }, out var error);

        Assert.Null(schedule);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    private async Task StartAsync(RecordingHandler handler, string cron, TimeSpan? timeout = null)
    {
        var schedule = FunctionSchedule.TryCreate(new ScheduleOptions { Cron = cron }, out var error) ?? throw new InvalidOperationException(error);
        var env = new EdgeEnv(
            "job",
            new ConfigurationBuilder().Build(),
            new ConfigurationSecretStore(new Dictionary<string, string>()),
            new Dictionary<string, IKeyValueStore>(),
            new Dictionary<string, IObjectBucket>(),
            _http,
            _proxied,
            _time,
            NullLoggerFactory.Instance,
            new NullMeterFactory(),
            Path.GetTempPath());
        _scheduler.Set([new FunctionInstance("job", handler, env, timeout) { Schedules = [schedule] }]);
        await _scheduler.StartAsync(CancellationToken.None);
    }

    /// <summary>Waits until the loop waits for its next occurrence, then moves the clock exactly there.</summary>
    private async Task<DateTimeOffset> ReachNextOccurrenceAsync()
    {
        var next = await _waiting.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        _time.SetUtcNow(next);
        return next;
    }

    private sealed class RecordingHandler(Task? hold = null, bool fail = false) : IFetchHandler, IScheduledHandler
    {
        private int _running;
        private int _maxConcurrent;

        public List<ScheduledEvent> Events { get; } = [];

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxConcurrent => _maxConcurrent;

        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
            ValueTask.FromResult(Results.Empty);

        public async ValueTask ScheduledAsync(ScheduledEvent scheduled, IEdgeEnv env, IExecutionContext ctx)
        {
            var running = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxConcurrent, running);
            lock (Events)
            {
                Events.Add(scheduled);
            }

            Started.TrySetResult();
            try
            {
                if (hold is not null)
                {
                    await hold.WaitAsync(ctx.Aborted);
                }

                if (fail)
                {
                    throw new InvalidOperationException("scheduled failure");
                }
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, current) == current)
                {
                    return;
                }
            }
        }
    }

    private sealed class NullMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
