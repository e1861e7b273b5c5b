namespace Edge.Forwarding;

/// <summary>
/// Why a forwarded request did not get the upstream's whole answer: the one error model of every forwarder of ours.
/// Each maps to one status (<see cref="ForwardingFailure"/>), one public text and one log line.
/// </summary>
public enum ForwardingError
{
    /// <summary>Nothing went wrong.</summary>
    None,

    /// <summary>No connection to the upstream could be opened (refused, unreachable, name not found, TLS failed): 502.</summary>
    Unreachable,

    /// <summary>Opening the connection took longer than the connect timeout: 504.</summary>
    ConnectTimeout,

    /// <summary>The upstream kept the forwarder waiting for its response headers beyond the
    /// <see cref="ResponseHeadersTimeout"/>: 504.</summary>
    ResponseTimeout,

    /// <summary>There is no upstream to send to (a tunnel without a connected agent): 502.</summary>
    NoUpstream,

    /// <summary>The upstream connected but broke off, or answered with something that is not HTTP, before its
    /// response headers: 502.</summary>
    UpstreamFailed,

    /// <summary>The upstream's response (or upgraded connection) broke off after the client got the headers: the
    /// client's response is aborted, so it cannot look complete.</summary>
    ResponseBroken,

    /// <summary>The client's request body could not be read (not an abort): 400.</summary>
    ClientBodyFailed,

    /// <summary>The client went away (or the caller cancelled): nothing more is sent (499 in logs).</summary>
    ClientAborted,
}
