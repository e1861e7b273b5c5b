namespace Edge.Tunnel.Agent;

/// <summary>Live counters of one agent endpoint; thread-safe, cheap to read (for health checks and status pages).</summary>
public sealed class TunnelAgentStatus
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connected;
    private long _reconnects;
    private long _failedDials;
    private volatile int _state;
    private volatile string? _lastError;

    internal TunnelAgentStatus(string tunnelId, string agentId)
    {
        TunnelId = tunnelId;
        AgentId = agentId;
    }

    /// <summary>The tunnel served.</summary>
    public string TunnelId { get; }

    /// <summary>This agent's id.</summary>
    public string AgentId { get; }

    /// <summary>Current state; <see cref="TunnelAgentState.Ready"/> while at least one connection is up.</summary>
    public TunnelAgentState State => (TunnelAgentState)_state;

    /// <summary>Connections currently up.</summary>
    public int ConnectedConnections => Volatile.Read(ref _connected);

    /// <summary>Successful dials after the first one of each pool slot (i.e. re-established connections).</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Dials that failed (network, handshake, unexpected status).</summary>
    public long FailedDials => Interlocked.Read(ref _failedDials);

    /// <summary>The last dial failure, without secrets; null if none.</summary>
    public string? LastError => _lastError;

    /// <summary>Completes when the first connection is up; faults if the relay refuses the token first.</summary>
    public Task Ready => _ready.Task;

    internal void OnConnected(bool isReconnect)
    {
        if (isReconnect)
        {
            Interlocked.Increment(ref _reconnects);
        }

        Interlocked.Increment(ref _connected);
        if (_state == (int)TunnelAgentState.Connecting)
        {
            Interlocked.CompareExchange(ref _state, (int)TunnelAgentState.Ready, (int)TunnelAgentState.Connecting);
        }

        _ready.TrySetResult();
    }

    internal void OnDisconnected()
    {
        if (Interlocked.Decrement(ref _connected) == 0)
        {
            Interlocked.CompareExchange(ref _state, (int)TunnelAgentState.Connecting, (int)TunnelAgentState.Ready);
        }
    }

    internal void OnDialFailed(string error)
    {
        Interlocked.Increment(ref _failedDials);
        _lastError = error;
    }

    internal void OnUnauthorized(string error)
    {
        _lastError = error;
        _state = (int)TunnelAgentState.Unauthorized;
        _ready.TrySetException(new TunnelUnauthorizedException(error));
    }

    internal void OnStopped()
    {
        if (_state != (int)TunnelAgentState.Unauthorized)
        {
            _state = (int)TunnelAgentState.Stopped;
        }

        _ready.TrySetCanceled();
    }
}
