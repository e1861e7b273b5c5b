namespace Edge.Forwarding;

/// <summary>
/// The invoker one forwarded request is sent with: the shared invoker it wraps (connection pool, TLS, HTTP version),
/// plus the request-side half of the forwarding core: the request body flushed chunk by chunk and counted
/// (<see cref="UpstreamRequestContent"/>), and, when given, a time-to-headers timeout.
/// </summary>
/// <remarks>
/// The body is wrapped here rather than in <see cref="ForwardingTransformer"/> because YARP refuses a transformer that
/// replaces its request content; it keeps its own reference for its bookkeeping, which wrapping does not disturb.
/// With a <see cref="ResponseHeadersTimeout"/>, the send runs under its token, which the caller's token also cancels
/// while the send is in flight; after the headers nothing of the timeout applies (the body is read under the
/// forwarder's own tokens). On expiry the send fails with an <see cref="OperationCanceledException"/> (YARP reports
/// <c>RequestTimedOut</c>) and <see cref="ResponseHeadersTimeout.Expired"/> is true.
/// </remarks>
public sealed class ForwardingInvoker : HttpMessageInvoker
{
    private static readonly HttpMessageHandler s_unused = new UnusedHandler();
    private readonly HttpMessageInvoker _inner;
    private readonly ForwardedBytes _bytes;
    private readonly ResponseHeadersTimeout? _timeout;

    /// <summary>Sends through <paramref name="inner"/> (not disposed with this), counting into
    /// <paramref name="bytes"/>, under <paramref name="timeout"/> if given.</summary>
    public ForwardingInvoker(HttpMessageInvoker inner, ForwardedBytes bytes, ResponseHeadersTimeout? timeout = null)
        : base(s_unused, disposeHandler: false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(bytes);
        _inner = inner;
        _bytes = bytes;
        _timeout = timeout;
    }

    /// <inheritdoc />
    public override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is { } body and not UpstreamRequestContent)
        {
            request.Content = new UpstreamRequestContent(body, _bytes, _timeout);
        }

        return _timeout is null ? _inner.SendAsync(request, cancellationToken) : SendTimedAsync(request, _timeout, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendTimedAsync(HttpRequestMessage request, ResponseHeadersTimeout timeout, CancellationToken cancellationToken)
    {
        // A new attempt (YARP retries a WebSocket on HTTP/1.1 when HTTP/2 was refused) waits on the upstream again.
        timeout.Resume();

        // Registered for the send only: the caller's token may belong to a pooled source that outlives this request.
        HttpResponseMessage response;
        using (cancellationToken.UnsafeRegister(static state => ((ResponseHeadersTimeout)state!).Cancel(), timeout))
        {
            response = await _inner.SendAsync(request, timeout.Token);
        }

        timeout.Stop();
        return response;
    }

    private sealed class UnusedHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("ForwardingInvoker sends through the invoker it wraps.");
    }
}
