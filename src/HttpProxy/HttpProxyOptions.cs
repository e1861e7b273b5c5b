namespace Edge.HttpProxy;

/// <summary>
/// Settings of <c>builtin:http-proxy</c>, read from the function's vars (<c>Functions:NAME:Vars</c>).
/// </summary>
public sealed class HttpProxyOptions
{
    /// <summary>
    /// Where every request goes: <c>http://HOST[:PORT]</c> or <c>https://HOST[:PORT]</c>, without path, query or
    /// credentials (requests keep their own path and query). Required.
    /// </summary>
    public string? Origin { get; set; }

    /// <summary>
    /// The Host header sent to the origin (<c>HOST</c> or <c>HOST:PORT</c>). Default: the client's Host as received,
    /// so an origin serving several names (virtual hosts) sees the public one.
    /// </summary>
    public string? HostHeader { get; set; }

    /// <summary>
    /// The longest the origin may keep the proxy waiting before the response headers arrive: connecting, taking each
    /// part of the request body, then answering (for a WebSocket: completing the handshake). Time spent waiting for
    /// the client's body is not counted, and response bodies are never limited (streams and SSE run for hours).
    /// YARP's idle timeout is off. On expiry the client gets 504. Default 100 s, the limit Cloudflare puts on origins (its error 524);
    /// connecting alone is also bounded by the host's <c>Edge:Http:ConnectTimeout</c>.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Speak HTTP/2 without TLS (h2c, "prior knowledge") to an <c>http://</c> origin, as gRPC servers listening in
    /// plain text expect. Default false: most local web apps speak only HTTP/1.1 in plain text, and an HTTP/2 preface
    /// sent to them fails. <c>https://</c> origins negotiate HTTP/2 through TLS (ALPN) regardless.
    /// </summary>
    public bool H2c { get; set; }
}
