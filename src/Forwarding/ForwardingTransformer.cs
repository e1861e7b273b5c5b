using System.Net;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding;

/// <summary>
/// <see cref="HeaderPolicy"/> as a YARP transformer, plus what every forwarder of ours does to a request: the target
/// exactly as the client sent it, the response body copied by the core (<see cref="ResponseBodyCopy"/>: counted, flushed
/// chunk by chunk, the headers sent before a wait for the body). One per request (it counts); its request-side partner
/// is <see cref="ForwardingInvoker"/>. Forward with <see cref="Forwarders.ForwardAsync"/>, which reports the body's
/// copy.
/// </summary>
public class ForwardingTransformer : HttpTransformer
{
    private readonly string? _host;
    private readonly TrustedClient? _client;
    private readonly IReadOnlySet<string>? _alsoRemove;

    /// <param name="host">The Host to send; null keeps the client's.</param>
    /// <param name="client">Who the client is, for X-Forwarded-*; null sends none (see
    /// <see cref="HeaderPolicy.CopyRequestHeaders"/>).</param>
    /// <param name="bytes">Where response bytes (and bytes written to an upgraded connection) are counted; the
    /// request's <see cref="ForwardingInvoker"/> counts the request body into the same.</param>
    /// <param name="alsoRemove">Request headers that stay on this hop besides the policy's own.</param>
    public ForwardingTransformer(string? host, TrustedClient? client, ForwardedBytes bytes, IReadOnlySet<string>? alsoRemove = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        _host = host;
        _client = client;
        _alsoRemove = alsoRemove;
        Bytes = bytes;
    }

    /// <summary>Bytes moved each way so far.</summary>
    public ForwardedBytes Bytes { get; }

    /// <inheritdoc />
    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        ArgumentNullException.ThrowIfNull(destinationPrefix);

        // A new attempt (a caller's retry) starts without the last one's outcome.
        ResponseBodyError = ForwarderError.None;
        HeaderPolicy.CopyRequestHeaders(httpContext.Request, proxyRequest, _host, _client, _alsoRemove);
        proxyRequest.RequestUri = RequestTarget.For(destinationPrefix, httpContext.Request);
        return default;
    }

    /// <summary>
    /// How the response body's copy ended when <see cref="TransformResponseAsync"/> made it (plain responses):
    /// <see cref="ForwarderError.None"/> otherwise. YARP reports <see cref="ForwarderError.None"/> for a response its
    /// transformer sent, so <see cref="Forwarders.ForwardAsync"/> returns this instead; the exception is in
    /// <see cref="IForwarderErrorFeature"/>, as for YARP's own errors.
    /// </summary>
    public ForwarderError ResponseBodyError { get; private set; }

    /// <inheritdoc />
    /// <remarks>
    /// Upgraded connections (101, or 200 to an extended CONNECT) go back to YARP, which carries their bytes both ways
    /// (counted). Any other response is sent from here (<see cref="ResponseBodyCopy"/>: the body read straight into the
    /// client's response pipe, then the trailers), and false tells YARP it is done.
    /// </remarks>
    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (proxyResponse is null)
        {
            // No response: the caller answers (ForwardingFailure).
            return false;
        }

        HeaderPolicy.CopyResponseHeaders(proxyResponse, httpContext.Response);
        var upgraded = proxyResponse.StatusCode == HttpStatusCode.SwitchingProtocols
            || (proxyResponse.StatusCode == HttpStatusCode.OK && proxyResponse.RequestMessage?.Method == HttpMethod.Connect);
        if (upgraded)
        {
            proxyResponse.Content = new UpstreamResponseContent(proxyResponse.Content, Bytes);
            return true;
        }

        var (error, exception) = await ResponseBodyCopy.CopyAsync(httpContext, proxyResponse, Bytes, startEarly: !IsGrpc(proxyResponse), cancellationToken);
        if (error == ForwarderError.None)
        {
            await TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
        }
        else
        {
            ResponseBodyError = error;
            httpContext.Features.Set<IForwarderErrorFeature>(new ResponseBodyFailure(error, exception));
        }

        return false;
    }

    /// <inheritdoc />
    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyResponse);
        HeaderPolicy.CopyResponseTrailers(proxyResponse, httpContext);
        return default;
    }

    // gRPC clients expect a trailers-only answer as one HEADERS frame: its headers wait for the body, as in YARP's copy.
    private static bool IsGrpc(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
