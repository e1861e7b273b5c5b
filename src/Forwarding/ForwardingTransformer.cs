using System.Net;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding;

/// <summary>
/// <see cref="HeaderPolicy"/> as a YARP transformer, plus what every forwarder of ours does to a request: the target
/// exactly as the client sent it, response bytes counted, the response started before a wait for its body. One per
/// request (it counts); its request-side partner is <see cref="ForwardingInvoker"/>.
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

        HeaderPolicy.CopyRequestHeaders(httpContext.Request, proxyRequest, _host, _client, _alsoRemove);
        proxyRequest.RequestUri = RequestTarget.For(destinationPrefix, httpContext.Request);
        return default;
    }

    /// <inheritdoc />
    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (proxyResponse is null)
        {
            // No response: the caller answers (ForwardingFailure).
            return new ValueTask<bool>(false);
        }

        HeaderPolicy.CopyResponseHeaders(proxyResponse, httpContext.Response);
        var upgraded = proxyResponse.StatusCode == HttpStatusCode.SwitchingProtocols
            || (proxyResponse.StatusCode == HttpStatusCode.OK && proxyResponse.RequestMessage?.Method == HttpMethod.Connect);
        var startEarly = !upgraded && !IsGrpc(proxyResponse);
        proxyResponse.Content = new UpstreamResponseContent(proxyResponse.Content, httpContext.Response, Bytes, startEarly);
        return new ValueTask<bool>(true);
    }

    /// <inheritdoc />
    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyResponse);
        HeaderPolicy.CopyResponseTrailers(proxyResponse, httpContext);
        return default;
    }

    // gRPC clients expect a trailers-only answer as one HEADERS frame: its headers wait for the body, as YARP does.
    private static bool IsGrpc(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
