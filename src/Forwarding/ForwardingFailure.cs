using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding;

/// <summary>
/// A forward that failed, as the client sees it and the log records it: the error, the status it maps to and a short
/// reason safe to show the public (naming the upstream only as the caller describes it, never by an internal address).
/// </summary>
/// <param name="Error">What went wrong.</param>
/// <param name="Status">The status the client gets (499 for a client that went away: nothing is sent).</param>
/// <param name="Reason">The reason, lower case, without a final period: "the origin refused the connection".</param>
/// <param name="Exception">What the failure was seen as, for the log.</param>
public sealed record ForwardingFailure(ForwardingError Error, int Status, string Reason, Exception? Exception)
{
    /// <summary>The client got (part of) a response already, or went away: no error response can be sent.</summary>
    public bool Responds => Error is not (ForwardingError.ResponseBroken or ForwardingError.ClientAborted);

    /// <summary>The body the client gets: "Bad gateway: the origin refused the connection."</summary>
    public string PublicText => $"{Title(Status)}: {Reason}.";

    /// <summary>
    /// Maps what YARP's forwarder returned (with the exception it recorded in <see cref="IForwarderErrorFeature"/>) to
    /// our error model.
    /// </summary>
    /// <param name="error">The forwarder's result; never <see cref="ForwarderError.None"/>.</param>
    /// <param name="exception">The exception behind it, if any.</param>
    /// <param name="responseStarted">The client's response had started (its headers were sent).</param>
    /// <param name="timeout">The time-to-headers timeout the request ran under, if any.</param>
    /// <param name="upstream">How the public may read the upstream's name: "the origin", "the relay https://…".</param>
    public static ForwardingFailure FromForwarder(ForwarderError error, Exception? exception, bool responseStarted, ResponseHeadersTimeout? timeout, string upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        if (timeout is { Expired: true } && !responseStarted)
        {
            return TimedOut(timeout.Limit, upstream, exception);
        }

        return error switch
        {
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                or ForwarderError.ResponseBodyClient or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient
                or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled
                => new(ForwardingError.ClientAborted, StatusCodes.Status499ClientClosedRequest, "the client went away", exception),
            ForwarderError.RequestBodyClient
                => new(ForwardingError.ClientBodyFailed, StatusCodes.Status400BadRequest, "the request body could not be read", exception),
            ForwarderError.ResponseBodyDestination or ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination
                or ForwarderError.UpgradeActivityTimeout when responseStarted
                => new(ForwardingError.ResponseBroken, StatusCodes.Status502BadGateway, $"{upstream} broke off its response", exception),
            ForwarderError.NoAvailableDestinations
                => new(ForwardingError.NoUpstream, StatusCodes.Status502BadGateway, $"{upstream} is not connected", exception),
            ForwarderError.RequestCreation
                => new(ForwardingError.UpstreamFailed, StatusCodes.Status502BadGateway, $"the request could not be sent to {upstream}", exception),
            _ when responseStarted
                => new(ForwardingError.ResponseBroken, StatusCodes.Status502BadGateway, $"{upstream} broke off its response", exception),
            _ => exception is null ? Failed(upstream, null) : FromException(exception, upstream),
        };
    }

    /// <summary>
    /// Classifies an exception from sending to the upstream before its response headers (never a client abort: the
    /// caller tells those apart first, by its own cancellation token).
    /// </summary>
    public static ForwardingFailure FromException(Exception exception, string upstream)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(upstream);
        HttpRequestException? http = null;
        SocketException? socket = null;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutException:
                    // SocketsHttpHandler's ConnectTimeout ends as a TimeoutException inside the cancellation.
                    return new(ForwardingError.ConnectTimeout, StatusCodes.Status504GatewayTimeout, $"connecting to {upstream} timed out", exception);
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
            HttpRequestError.NameResolutionError => Unreachable($"the host name of {upstream} could not be resolved", exception),
            HttpRequestError.SecureConnectionError => Unreachable($"the TLS handshake with {upstream} failed", exception),
            HttpRequestError.ConnectionError or HttpRequestError.ProxyTunnelError => Unreachable(socket?.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"{upstream} refused the connection",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"the network of {upstream} is unreachable",
                SocketError.TimedOut => $"connecting to {upstream} timed out",
                _ => $"could not connect to {upstream}",
            }, exception),
            _ => Failed(upstream, exception),
        };
    }

    /// <summary>The upstream did not send its response headers within <paramref name="limit"/>.</summary>
    public static ForwardingFailure TimedOut(TimeSpan limit, string upstream, Exception? exception = null) =>
        new(ForwardingError.ResponseTimeout, StatusCodes.Status504GatewayTimeout, $"{upstream} did not answer within {limit.TotalSeconds:0.###} s", exception);

    /// <summary>Writes the one log line: a warning, or a debug line for a client that went away.</summary>
    public void Log(ILogger logger, HttpRequest request, string upstream)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value is { Length: > 0 } p ? p : "/";
        if (Error == ForwardingError.ClientAborted)
        {
            ForwardingLog.ClientAborted(logger, request.Method, path);
            return;
        }

        ForwardingLog.Failed(logger, request.Method, path, upstream, Error, Status, Describe(Exception));
    }

    /// <summary>
    /// Answers the client: the status with <see cref="PublicText"/> as plain text when nothing was sent yet; when the
    /// response had started, the client's connection (or HTTP/2 stream) is aborted so the response cannot look
    /// complete; a client that went away gets nothing.
    /// </summary>
    public async Task RespondAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Error == ForwardingError.ClientAborted)
        {
            return;
        }

        if (context.Response.HasStarted || Error == ForwardingError.ResponseBroken)
        {
            if (context.Features.Get<IHttpResetFeature>() is { } reset)
            {
                // HTTP/2 INTERNAL_ERROR: only this stream ends.
                reset.Reset(0x2);
            }
            else
            {
                context.Abort();
            }

            return;
        }

        var response = context.Response;
        response.Clear();
        response.StatusCode = Status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        try
        {
            await response.WriteAsync(PublicText + "\n", context.RequestAborted);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left while the error was written.
        }
    }

    /// <summary>The messages of an exception and its inner ones, for a log line.</summary>
    public static string Describe(Exception? exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null && messages.Count < 4; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" -> ", messages);
    }

    private static string Title(int status) => status switch
    {
        StatusCodes.Status504GatewayTimeout => "Gateway timeout",
        StatusCodes.Status400BadRequest => "Bad request",
        _ => "Bad gateway",
    };

    private static ForwardingFailure Unreachable(string reason, Exception exception) =>
        new(ForwardingError.Unreachable, StatusCodes.Status502BadGateway, reason, exception);

    private static ForwardingFailure Failed(string upstream, Exception? exception) =>
        new(ForwardingError.UpstreamFailed, StatusCodes.Status502BadGateway, $"{upstream} closed the connection or sent an invalid response", exception);
}
