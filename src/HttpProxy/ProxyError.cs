namespace Edge.HttpProxy;

/// <summary>Why a request did not get the origin's answer: errors as data, each mapped to one status and logged once.</summary>
internal enum ProxyError
{
    /// <summary>Nothing went wrong.</summary>
    None,

    /// <summary>No connection to the origin (refused, unreachable, name not found, TLS failed): 502.</summary>
    OriginUnreachable,

    /// <summary>The origin connected but broke off or answered with something that is not HTTP: 502.</summary>
    OriginFailed,

    /// <summary>The origin kept the proxy waiting beyond <see cref="HttpProxyOptions.ResponseTimeout"/> (or the connect timeout): 504.</summary>
    OriginTimeout,

    /// <summary>The origin's response body broke off after the headers were sent: the client's response is aborted.</summary>
    OriginResponseBroken,

    /// <summary>The client's request body could not be read (not an abort): 400.</summary>
    ClientBodyFailed,

    /// <summary>The origin refused a WebSocket handshake: its status goes to the client.</summary>
    WebSocketRefused,
}
