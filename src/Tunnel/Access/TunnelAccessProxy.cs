using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Edge.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Tunnel.Access;

/// <summary>
/// The local side of <c>edge access</c>: forwards every request it gets to the relay's public entry with the private
/// hostname as Host and the access token in <see cref="TunnelProtocol.AccessTokenHeader"/>. Registered by
/// <see cref="TunnelAccessExtensions.AddTunnelAccess"/>; mounted by <see cref="TunnelAccessExtensions.UseTunnelAccess"/>.
/// </summary>
/// <remarks>
/// Requests go to the relay with YARP's forwarder, as HTTP/1.1 (WebSockets as HTTP/1.1 upgrades, carried as bytes, so
/// their extensions are negotiated end to end). The handler is told <c>http://</c>; when the relay is <c>https://</c>
/// the connect callback does TLS itself with the relay's name, because the handler would otherwise take the Host header
/// (the private hostname) as the TLS server name and check the relay's certificate against it. No HTTP proxy is used:
/// the relay is dialed directly.
/// </remarks>
public sealed partial class TunnelAccessProxy : IDisposable
{
    /// <summary>Attempts per request: a relay restart can leave more than one dead connection in the pool, and each
    /// attempt that finds one takes it out.</summary>
    internal const int MaxAttempts = 3;

    private readonly TunnelAccessOptions _options;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _invoker;
    private readonly IHttpForwarder _forwarder;
    private readonly ForwarderRequestConfig _config;
    private readonly string _prefix;
    private readonly string _relay;
    private readonly string _upstream;

    /// <summary>Validates the options (all errors at once) and prepares the relay connection pool.</summary>
    public TunnelAccessProxy(IOptions<TunnelAccessOptions> options, ILogger<TunnelAccessProxy> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(TunnelAccessOptions), typeof(TunnelAccessOptions), errors);
        }

        _logger = logger;
        var relay = _options.RelayUri!;
        _relay = relay.GetLeftPart(UriPartial.Authority);
        _upstream = "the relay " + _relay;
        _prefix = "http://" + relay.Authority;
        var host = relay.DnsSafeHost;
        var port = relay.Port;
        var tls = relay.Scheme == Uri.UriSchemeHttps;
        var validation = _options.RemoteCertificateValidation;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
            ConnectTimeout = _options.ConnectTimeout,
            ConnectCallback = (_, cancellationToken) => ConnectAsync(host, port, tls, validation, cancellationToken),
        });
        _forwarder = Forwarders.Create(time ?? TimeProvider.System);

        // HTTP/1.1 exactly: the connect callback offers only http/1.1 in ALPN, and the relay takes WebSockets as upgrades.
        _config = Forwarders.RequestConfig(HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact);
    }

    /// <summary>The relay's origin (<c>https://relay.example.com</c>), for messages.</summary>
    public string Relay => _relay;

    /// <summary>The private hostname requests reach.</summary>
    public string Hostname => _options.Hostname;

    /// <summary>
    /// Forwards one local request to the relay and streams the answer back.
    /// </summary>
    /// <remarks>
    /// 1. CONNECT is refused with 405: this is not an HTTP proxy.
    /// 2. The request: same method and target, the forwarding core's header policy, Host = the private hostname, the
    ///    access token added (one the local client sent is dropped), body streamed and flushed chunk by chunk.
    /// 3. A failed attempt is sent again on another connection under <see cref="RetryRule"/> (at most
    ///    <see cref="MaxAttempts"/> in all): nothing reached the client yet, and the relay never got the request (it
    ///    could not be connected to) or the request is a GET, HEAD or OPTIONS without a body (a stale pooled
    ///    connection, a relay restarted between two requests). A POST whose connection broke is not sent again.
    /// 4. Otherwise the failure is the core's error model: 502/504 naming the relay, one warning line.
    /// 5. The response: status, headers, body flushed as it arrives (SSE), trailers. A local client abort cancels the
    ///    relay request (its connection closes, so the relay resets the stream to the agent).
    /// </remarks>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;

        // 1. CONNECT.
        if (HttpMethods.IsConnect(request.Method) && context.Features.Get<IHttpExtendedConnectFeature>() is not { IsExtendedConnect: true })
        {
            // Clients that take this port for an HTTP proxy: a clear answer instead of a tunnel to who knows where.
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"edge access forwards requests to {_options.Hostname}; it is not an HTTP proxy\n", context.RequestAborted);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = null;
        }

        // 2. Request.
        var bytes = new ForwardedBytes();
        var transformer = new AccessTransformer(_options.Hostname, _options.Token, bytes);
        using var invoker = new ForwardingInvoker(_invoker, bytes);
        for (var attempt = 1; ; attempt++)
        {
            var error = await _forwarder.ForwardAsync(context, _prefix, invoker, _config, transformer);
            if (error == ForwarderError.None)
            {
                // 5. Response (streamed by the core).
                Log.Forwarded(_logger, request.Method, request.Path.Value ?? "/", context.Response.StatusCode);
                return;
            }

            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            var failure = ForwardingFailure.FromForwarder(error, exception, context.Response.HasStarted, null, _upstream);

            // 3. Retry.
            if (attempt < MaxAttempts
                && failure.Error is ForwardingError.Unreachable or ForwardingError.UpstreamFailed
                && RetryRule.MaySendAgain(request, RetryRule.NeverReachedUpstream(exception), bytes.RequestBodyStarted))
            {
                ForwardingLog.Retrying(_logger, request.Method, request.Path.Value ?? "/", _relay, attempt, failure.Error, ForwardingFailure.Describe(exception));
                context.Response.Clear();
                context.Features.Set<IForwarderErrorFeature>(null);
                continue;
            }

            // 4. Failure.
            failure.Log(_logger, request, _relay);
            await failure.RespondAsync(context);
            return;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();

    private static async ValueTask<Stream> ConnectAsync(string host, int port, bool tls, RemoteCertificateValidationCallback? validation, CancellationToken cancellationToken)
    {
        // No Nagle: request heads and WebSocket frames are small and latency matters more than packet count.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (!tls)
        {
            return stream;
        }

        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    RemoteCertificateValidationCallback = validation,
                },
                cancellationToken);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }
}
