using System.Globalization;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// Samples the resident memory of one process every 100 ms from creation until disposed, keeping the first sample
/// (the baseline) and the highest.
/// </summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;
    private int _stopped;

    private RssSampler(string name, int pid, long baseline)
    {
        Name = name;
        _pid = pid;
        Baseline = baseline;
        _peak = baseline;
        _loop = SampleAsync();
    }

    /// <summary>What is sampled, for messages.</summary>
    public string Name { get; }

    /// <summary>VmRSS when sampling started, in bytes.</summary>
    public long Baseline { get; }

    /// <summary>The highest VmRSS seen so far, in bytes.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>How many samples were taken.</summary>
    public int Samples { get; private set; } = 1;

    /// <summary>Peak minus baseline, in bytes.</summary>
    public long Growth => Peak - Baseline;

    /// <summary>Starts sampling <paramref name="pid"/>.</summary>
    public static RssSampler Start(string name, int pid) =>
        new(name, pid, ProcessMemory.ResidentBytes(pid) ?? throw new InvalidOperationException($"{name} (pid {pid}) is not running."));

    /// <summary>"relay: 80.1 MB -> peak 95.3 MB (+15.2 MB, 42 samples)".</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Name}: {Baseline / 1e6:0.0} MB -> peak {Peak / 1e6:0.0} MB (+{Growth / 1e6:0.0} MB, {Samples} samples)");

    /// <summary>Stops sampling (idempotent); <see cref="Peak"/> is final afterwards.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            await _loop;
            return;
        }

        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task SampleAsync()
    {
        // Bounded: one sample per 100 ms for at most an hour.
        for (var i = 0; i < 36_000 && !_stop.IsCancellationRequested; i++)
        {
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (ProcessMemory.ResidentBytes(_pid) is { } rss)
            {
                Samples++;
                if (rss > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, rss);
                }
            }
        }

        // One last look, so a short transfer still has its end sampled.
        if (ProcessMemory.ResidentBytes(_pid) is { } last && last > Interlocked.Read(ref _peak))
        {
            Interlocked.Exchange(ref _peak, last);
        }
    }
}
