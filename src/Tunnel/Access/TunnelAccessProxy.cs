using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Edge.Tunnel.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Edge.Tunnel.Access;

/// <summary>
/// The local side of <c>edge access</c>: forwards every request it gets to the relay's public entry with the private
/// hostname as Host and the access token in <see cref="TunnelProtocol.AccessTokenHeader"/>. Registered by
/// <see cref="TunnelAccessExtensions.AddTunnelAccess"/>; mounted by <see cref="TunnelAccessExtensions.UseTunnelAccess"/>.
/// </summary>
/// <remarks>
/// Requests go to the relay as HTTP/1.1. The handler is told <c>http://</c>; when the relay is <c>https://</c> the
/// connect callback does TLS itself with the relay's name, because the handler would otherwise take the Host header
/// (the private hostname) as the TLS server name and check the relay's certificate against it. No HTTP proxy is
/// used: the relay is dialed directly.
/// </remarks>
public sealed partial class TunnelAccessProxy : IDisposable
{
    private readonly TunnelAccessOptions _options;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _invoker;
    private readonly string _baseUri;
    private readonly string _relay;

    /// <summary>Validates the options (all errors at once) and prepares the relay connection pool.</summary>
    public TunnelAccessProxy(IOptions<TunnelAccessOptions> options, ILogger<TunnelAccessProxy> logger)
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
        _baseUri = "http://" + relay.Authority;
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
    }

    /// <summary>The relay's origin (<c>https://relay.example.com</c>), for messages.</summary>
    public string Relay => _relay;

    /// <summary>The private hostname requests reach.</summary>
    public string Hostname => _options.Hostname;

    /// <summary>
    /// Forwards one local request to the relay and streams the answer back.
    /// </summary>
    /// <remarks>
    /// 1. A WebSocket upgrade goes to <see cref="ForwardWebSocketAsync"/>.
    /// 2. The request: same method, path and query; end-to-end headers (hop-by-hop ones and any access token the
    ///    local client sent removed); Host = the private hostname; the access token added; body streamed. CONNECT is
    ///    refused with 405: this is not an HTTP proxy.
    /// 3. Relay unreachable or failing before answering → 502 with a text naming the relay; nothing is retried.
    /// 4. The response: status, headers, body flushed as it arrives (SSE), trailers. A local client abort cancels
    ///    the relay request (its connection closes, so the relay resets the stream to the agent).
    /// </remarks>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // 1. WebSocket.
        if (IsWebSocketUpgrade(context))
        {
            await ForwardWebSocketAsync(context);
            return;
        }

        // 2. Request.
        var request = context.Request;
        if (HttpMethods.IsConnect(request.Method))
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

        using var message = CreateMessage(context, new HttpMethod(request.Method));
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true)
        {
            message.Content = new StreamContent(request.Body, ForwardingResponse.BufferSize);
        }

        AddHeaders(context, message);

        // 3. Send.
        var response = await SendAsync(context, message);
        if (response is null)
        {
            return;
        }

        // 4. Response.
        using (response)
        {
            await CopyResponseAsync(context, response);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();

    private HttpRequestMessage CreateMessage(HttpContext context, HttpMethod method)
    {
        var request = context.Request;
        var uri = new Uri(string.Concat(_baseUri, request.PathBase.Add(request.Path).ToUriComponent(), request.QueryString.ToUriComponent()));
        return new HttpRequestMessage(method, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    private void AddHeaders(HttpContext context, HttpRequestMessage message)
    {
        ForwardingHeaders.CopyRequestHeaders(context.Request, message);
        message.Headers.Host = _options.Hostname;
        message.Headers.TryAddWithoutValidation(TunnelProtocol.AccessTokenHeader, _options.Token);
    }

    private async Task<HttpResponseMessage?> SendAsync(HttpContext context, HttpRequestMessage message)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;
        try
        {
            return await _invoker.SendAsync(message, aborted);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            Log.ClientAborted(_logger, request.Method, request.Path.Value ?? "/");
            return null;
        }
        catch (Exception ex)
        {
            var error = ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }
                ? AccessForwardError.RelayUnreachable
                : AccessForwardError.RelayRequestFailed;
            Log.ForwardFailed(_logger, request.Method, request.Path.Value ?? "/", _relay, error, ex);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                context.Response.ContentType = "text/plain; charset=utf-8";
                context.Response.Headers.CacheControl = "no-store";
                var text = error == AccessForwardError.RelayUnreachable
                    ? $"edge access: the relay {_relay} could not be reached: {ex.Message}\n"
                    : $"edge access: the relay {_relay} did not answer: {ex.Message}\n";
                await context.Response.WriteAsync(text, aborted);
            }

            return null;
        }
    }

    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response)
    {
        var request = context.Request;
        var (outcome, error) = await ForwardingResponse.CopyAsync(context, response, null);
        switch (outcome)
        {
            case ResponseCopyOutcome.UpstreamFailed:
                Log.ForwardFailed(_logger, request.Method, request.Path.Value ?? "/", _relay, AccessForwardError.RelayResponseFailed, error!);
                break;
            case ResponseCopyOutcome.ClientAborted:
                Log.ClientAborted(_logger, request.Method, request.Path.Value ?? "/");
                break;
            default:
                Log.Forwarded(_logger, request.Method, request.Path.Value ?? "/", (int)response.StatusCode);
                break;
        }
    }

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
