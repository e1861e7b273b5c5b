namespace Edge.Forwarding;

/// <summary>Bytes one forwarded request moved each way, counted as they pass (for log lines and metrics).</summary>
public sealed class ForwardedBytes
{
    private long _toUpstream;
    private long _fromUpstream;
    private int _requestBodyStarted;

    /// <summary>Request body bytes (or, after an upgrade, client bytes) written to the upstream.</summary>
    public long ToUpstream => Interlocked.Read(ref _toUpstream);

    /// <summary>Response body bytes (or, after an upgrade, upstream bytes) read from the upstream.</summary>
    public long FromUpstream => Interlocked.Read(ref _fromUpstream);

    /// <summary>True once the request body began to be sent (its first byte may have been read from the client):
    /// from then on it cannot be sent again (<see cref="RetryRule"/>).</summary>
    public bool RequestBodyStarted => Volatile.Read(ref _requestBodyStarted) == 1;

    internal void AddToUpstream(int count) => Interlocked.Add(ref _toUpstream, count);

    internal void AddFromUpstream(int count) => Interlocked.Add(ref _fromUpstream, count);

    internal void MarkRequestBodyStarted() => Volatile.Write(ref _requestBodyStarted, 1);
}
