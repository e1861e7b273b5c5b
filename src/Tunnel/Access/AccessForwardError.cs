namespace Edge.Tunnel.Access;

/// <summary>Why <c>edge access</c> failed to forward a request; each maps to one status (or an aborted response).</summary>
public enum AccessForwardError
{
    /// <summary>No connection to the relay could be opened (DNS, TCP or TLS): 502.</summary>
    RelayUnreachable,

    /// <summary>The relay connection failed before a response arrived: 502 (not retried: the request may have run).</summary>
    RelayRequestFailed,

    /// <summary>The response body broke off mid-way: the client's response is aborted.</summary>
    RelayResponseFailed,
}
