namespace Edge.Tunnel.Relay;

/// <summary>
/// Thrown by a tunnel connection's <c>ConnectCallback</c> when its stream was already handed out (the HTTP/2
/// connection on it ended) or closed. SocketsHttpHandler calls the callback before a request is written, so a request
/// failing with this inside never reached an agent and may be retried elsewhere.
/// </summary>
internal sealed class TunnelConnectionUnavailableException : IOException
{
    public TunnelConnectionUnavailableException(string message)
        : base(message)
    {
    }
}
