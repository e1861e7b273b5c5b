namespace Edge.HttpProxy;

/// <summary>
/// Measures only the time spent waiting on the origin before its response headers arrive: it runs while connecting,
/// while each part of the request body is written and while the answer is awaited, and pauses while the client is
/// slow to send its body. Expiry cancels <see cref="Token"/>.
/// </summary>
internal sealed class OriginTimer : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly TimeSpan _limit;
    private readonly Lock _gate = new();
    private bool _stopped;

    public OriginTimer(TimeSpan limit, TimeProvider time)
    {
        _limit = limit;
        _cts = new CancellationTokenSource(limit, time);
    }

    /// <summary>Cancelled when the origin kept the proxy waiting for longer than the limit.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once the limit passed.</summary>
    public bool Expired => _cts.IsCancellationRequested;

    /// <summary>Waiting on the origin again: the limit starts over.</summary>
    public void Resume() => Set(_limit);

    /// <summary>Waiting on the client: the clock stops.</summary>
    public void Pause() => Set(Timeout.InfiniteTimeSpan);

    /// <summary>The response headers arrived: from now on nothing here expires.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (!_stopped && !_cts.IsCancellationRequested)
            {
                _cts.CancelAfter(Timeout.InfiniteTimeSpan);
            }

            _stopped = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            // The request body may still be written after the response is done (duplex): later calls are no-ops.
            _stopped = true;
            _cts.Dispose();
        }
    }

    private void Set(TimeSpan delay)
    {
        lock (_gate)
        {
            if (!_stopped && !_cts.IsCancellationRequested)
            {
                _cts.CancelAfter(delay);
            }
        }
    }
}
