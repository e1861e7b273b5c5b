using System.Net;

namespace Edge.Tunnel.Relay;

/// <summary>
/// One agent connection on the relay: the upgraded stream and the HTTP/2 client bound to it. Its
/// <c>ConnectCallback</c> hands out the stream exactly once; once that HTTP/2 connection ends or is going away
/// (GOAWAY), the callback refuses, which marks the connection dead.
/// </summary>
/// <remarks>
/// A dead connection is no longer picked for requests, but it is not closed here: after a GOAWAY the streams in flight
/// (a long download) finish on it, and the handler closes the stream once they are done.
/// </remarks>
internal sealed class RelayConnection : IDisposable
{
    private static long s_nextId;
    private int _claimed;
    private int _inFlight;
    private volatile bool _dead;

    public RelayConnection(string tunnelId, string agentId, Stream upgraded, TunnelRelayOptions options)
    {
        TunnelId = tunnelId;
        AgentId = agentId;
        Id = Interlocked.Increment(ref s_nextId);
        Stream = new RelayTunnelStream(upgraded);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            EnableMultipleHttp2Connections = false,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            InitialHttp2StreamWindowSize = options.InitialStreamWindowSize,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            MaxResponseHeadersLength = 64,
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Stream.StartWatching();
    }

    public long Id { get; }

    public string TunnelId { get; }

    public string AgentId { get; }

    public RelayTunnelStream Stream { get; }

    public HttpMessageInvoker Invoker { get; }

    public bool IsAlive => !_dead && !Stream.Closed.IsCompleted && !Stream.GoingAway.IsCompleted;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Closes the connection: the agent sees the stream end and redials.</summary>
    public void Kill()
    {
        _dead = true;
        Stream.Dispose();
    }

    public void Dispose()
    {
        _dead = true;
        Invoker.Dispose();
        Stream.Dispose();
    }

    /// <summary>Makes the next connect attempt refuse, as after the HTTP/2 connection on the stream ended while the
    /// relay has not noticed yet (for tests of the retry path).</summary>
    internal void SimulateEndedHttp2Connection() => Interlocked.Exchange(ref _claimed, 1);

    private ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _claimed, 1) == 0 && IsAlive)
        {
            return ValueTask.FromResult<Stream>(Stream);
        }

        // The one HTTP/2 connection this stream carried is over or going away: no new requests here. Streams still in
        // flight on it keep the stream open until they end (the handler disposes it then).
        _dead = true;
        return ValueTask.FromException<Stream>(new TunnelConnectionUnavailableException($"tunnel connection {Id} is closed"));
    }
}
