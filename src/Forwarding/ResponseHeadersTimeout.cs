namespace Edge.Forwarding;

/// <summary>
/// The time-to-headers timeout of one forwarded request: it counts only while the forwarder waits on the upstream
/// (connecting, writing each part of the request body, awaiting the response headers) and pauses while it waits on the
/// client's body. Once the headers are in it stops: response bodies are never limited, so a server-sent event stream
/// that is silent for hours lives on. Expiry cancels <see cref="Token"/>.
/// </summary>
/// <remarks>
/// YARP's own <c>ActivityTimeout</c> is an idle timeout over the whole exchange, body included, which would end a
/// quiet event stream; forwarders using this turn it off. <see cref="ForwardingInvoker"/> applies the
/// timeout to the send and pauses it while the client's body is awaited.
/// </remarks>
public sealed class ResponseHeadersTimeout : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly Lock _gate = new();
    private bool _stopped;
    private bool _timedOut;

    /// <summary>Starts counting <paramref name="limit"/> on <paramref name="time"/>.</summary>
    public ResponseHeadersTimeout(TimeSpan limit, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        Limit = limit;
        _cts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _cts.Token.UnsafeRegister(static state => ((ResponseHeadersTimeout)state!).OnCancelled(), this);
        _cts.CancelAfter(limit);
    }

    /// <summary>How long the upstream may keep the forwarder waiting at a stretch.</summary>
    public TimeSpan Limit { get; }

    /// <summary>Cancelled when the limit passed, or when <see cref="Cancel"/> was called.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True when the limit passed (not when something else cancelled <see cref="Token"/>).</summary>
    public bool Expired
    {
        get
        {
            lock (_gate)
            {
                return _timedOut;
            }
        }
    }

    /// <summary>Waiting on the upstream again: the limit starts over.</summary>
    public void Resume() => Set(Limit);

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

    /// <summary>Cancels <see cref="Token"/> for another reason than the limit (the exchange was abandoned).</summary>
    public void Cancel()
    {
        lock (_gate)
        {
            if (_stopped || _cts.IsCancellationRequested)
            {
                return;
            }

            _stopped = true;
        }

        // Outside the lock: callbacks registered on the token run synchronously.
        _cts.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            // The request body may still be written after the response is done (duplex): later calls are no-ops.
            _stopped = true;
        }

        _cts.Dispose();
    }

    private void OnCancelled()
    {
        lock (_gate)
        {
            // Only the timer cancels while not stopped; Cancel() marks stopped first.
            _timedOut = !_stopped;
            _stopped = true;
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
