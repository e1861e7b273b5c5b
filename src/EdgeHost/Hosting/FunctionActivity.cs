namespace Edge.Host.Hosting;

/// <summary>
/// Requests in flight in one function instance, so a retired version is stopped only after its last request ended
/// (or its drain period passed).
/// </summary>
internal sealed class FunctionActivity
{
    private readonly Lock _gate = new();
    private int _inFlight;
    private bool _retired;
    private TaskCompletionSource? _idle;

    /// <summary>Requests in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    /// <summary>
    /// Counts a request in, unless the instance was retired: then false, and the caller routes again (the table that
    /// no longer leads here was published before the retirement began). The increment and the check, against
    /// <see cref="Retire"/>'s flag and count, cannot both miss each other: no request slips into a retired instance.
    /// </summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _retired))
        {
            Exit();
            return false;
        }

        return true;
    }

    /// <summary>Refuses new requests (<see cref="TryEnter"/>); then wait for <see cref="WhenIdleAsync"/>.</summary>
    public void Retire()
    {
        Volatile.Write(ref _retired, true);
        Interlocked.MemoryBarrier();
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            lock (_gate)
            {
                _idle?.TrySetResult();
            }
        }
    }

    /// <summary>Completes when no request is in flight (at once if none is). Requests routed to the instance after it was
    /// retired may still arrive for a moment: callers wait again after swapping routes, which this allows.</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _inFlight) == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_idle.Task.IsCompleted)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return _idle.Task.WaitAsync(cancellationToken);
        }
    }
}
