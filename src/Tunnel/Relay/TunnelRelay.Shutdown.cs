namespace Edge.Tunnel.Relay;

/// <summary>Graceful shutdown of the relay.</summary>
/// <remarks>
/// 1. The host stops (<c>ApplicationStopping</c>): new agent connections are refused with 503 (they redial, possibly
///    another relay); the agent connections in place keep serving.
/// 2. The server stops accepting and asks every connection to close (Kestrel's graceful shutdown: listeners unbound,
///    idle keep-alive connections closed, HTTP/2 GOAWAY). The agent connections see this as their close request: the
///    drain starts.
/// 3. The drain waits for every forwarded request still in flight (downloads, uploads, WebSockets) to end, then
///    closes the agent connections, which were all that kept the server's shutdown waiting. With nothing in flight
///    that is at once; otherwise the server's shutdown timeout bounds the wait (it aborts what is left).
/// 4. A request that still arrives after the agent connections closed gets 503.
/// </remarks>
public sealed partial class TunnelRelay
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _forwarding;
    private volatile bool _draining;
    private volatile bool _closed;
    private int _drainStarted;
    private TaskCompletionSource? _idle;

    /// <summary>True once the host began stopping: new agent connections are refused.</summary>
    public bool IsStopping => _draining;

    /// <summary>Public requests being forwarded right now, all tunnels together.</summary>
    public long ForwardsInFlight => Interlocked.Read(ref _forwarding);

    /// <summary>Completes when the drain closed the agent connections (see the remarks of this type).</summary>
    public Task Drained => _drained.Task;

    /// <summary>Step 1: refuse new agents from now on. Called on <c>ApplicationStopping</c>.</summary>
    public void BeginStopping()
    {
        if (!_draining)
        {
            _draining = true;
            Log.Stopping(_logger, ForwardsInFlight, _registry.All().Count);
        }
    }

    /// <summary>
    /// Steps 2–3: once nothing is forwarded any more, close every agent connection. Idempotent; returns at once (the
    /// wait runs in the background, observable through <see cref="Drained"/>).
    /// </summary>
    public void Drain()
    {
        if (Interlocked.Exchange(ref _drainStarted, 1) != 0)
        {
            return;
        }

        _draining = true;
        _ = DrainAsync();
    }

    private async Task DrainAsync()
    {
        // Publish the waiter before reading the count (both full fences), so the last forward to end sees it.
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _idle, idle);
        var inFlight = Interlocked.Read(ref _forwarding);
        if (inFlight == 0)
        {
            idle.TrySetResult();
        }
        else
        {
            Log.Draining(_logger, inFlight);
        }

        await idle.Task.ConfigureAwait(false);
        _closed = true;
        var connections = _registry.All().Count;
        CloseAllConnections();
        Log.Drained(_logger, connections);
        _drained.TrySetResult();
    }

    private ForwardScope TrackForward()
    {
        Interlocked.Increment(ref _forwarding);
        return new ForwardScope(this);
    }

    private void ForwardEnded()
    {
        if (Interlocked.Decrement(ref _forwarding) == 0)
        {
            Volatile.Read(ref _idle)?.TrySetResult();
        }
    }

    /// <summary>Counts one forwarded request for the drain while it runs.</summary>
    private readonly struct ForwardScope(TunnelRelay relay) : IDisposable
    {
        public void Dispose() => relay.ForwardEnded();
    }
}
