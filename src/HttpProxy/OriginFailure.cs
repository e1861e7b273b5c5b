using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Edge.HttpProxy;

/// <summary>A failure to get the origin's response headers, as the client will see it.</summary>
/// <param name="Error">What went wrong.</param>
/// <param name="Status">The status the client gets.</param>
/// <param name="Reason">A short reason, safe to show the public (no address of the origin).</param>
internal sealed record OriginFailure(ProxyError Error, int Status, string Reason)
{
    /// <summary>
    /// Classifies an exception from sending to the origin (never a client abort: the caller handles those first).
    /// </summary>
    public static OriginFailure From(Exception exception, bool timerExpired, TimeSpan responseTimeout)
    {
        if (timerExpired)
        {
            return new(ProxyError.OriginTimeout, StatusCodes.Status504GatewayTimeout, $"the origin did not answer within {responseTimeout.TotalSeconds:0.###} s");
        }

        HttpRequestException? http = null;
        SocketException? socket = null;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutException:
                    // SocketsHttpHandler's ConnectTimeout (Edge:Http:ConnectTimeout) ends as a TimeoutException.
                    return new(ProxyError.OriginTimeout, StatusCodes.Status504GatewayTimeout, "connecting to the origin timed out");
                case HttpRequestException h:
                    http ??= h;
                    break;
                case SocketException s:
                    socket ??= s;
                    break;
            }
        }

        return http?.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => Unreachable("the origin's host name could not be resolved"),
            HttpRequestError.SecureConnectionError => Unreachable("the TLS handshake with the origin failed"),
            HttpRequestError.ConnectionError or HttpRequestError.ProxyTunnelError => Unreachable(socket?.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "the origin refused the connection",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "the origin's network is unreachable",
                SocketError.TimedOut => "connecting to the origin timed out",
                _ => "could not connect to the origin",
            }),
            _ => new(ProxyError.OriginFailed, StatusCodes.Status502BadGateway, "the origin closed the connection or sent an invalid response"),
        };
    }

    private static OriginFailure Unreachable(string reason) => new(ProxyError.OriginUnreachable, StatusCodes.Status502BadGateway, reason);
}
