namespace Edge.Tunnel.Relay;

/// <summary>How copying an upstream response to the client ended.</summary>
internal enum ResponseCopyOutcome
{
    /// <summary>Every byte (and the trailers) reached the client.</summary>
    Completed,

    /// <summary>The upstream body broke off; the client's response was aborted so it cannot look complete.</summary>
    UpstreamFailed,

    /// <summary>The client went away; disposing the upstream response resets the upstream request too.</summary>
    ClientAborted,
}
