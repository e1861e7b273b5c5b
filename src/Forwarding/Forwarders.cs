using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Edge.Forwarding;

/// <summary>YARP's <see cref="IHttpForwarder"/> for forwarders that are not ASP.NET Core apps of their own (a
/// function handler, the access client), and the request settings every forwarder of ours uses.</summary>
public static class Forwarders
{
    /// <summary>
    /// A forwarder on <paramref name="time"/>. YARP's own log lines are off: the caller writes the one line per failure
    /// (<see cref="ForwardingFailure.Log"/>) and its own request line, instead of YARP's two per request.
    /// </summary>
    public static IHttpForwarder Create(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(time);
        services.AddHttpForwarder();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IHttpForwarder>();
    }

    /// <summary>
    /// Forwards <paramref name="context"/>'s request with <paramref name="forwarder"/> (YARP's
    /// <see cref="IHttpForwarder.SendAsync(HttpContext, string, HttpMessageInvoker, ForwarderRequestConfig, HttpTransformer, CancellationToken)"/>)
    /// and returns its result, or, when YARP reports none because the transformer sent the response, how the
    /// transformer's copy of the body ended (<see cref="ForwardingTransformer.ResponseBodyError"/>). The exception of
    /// either is in <see cref="IForwarderErrorFeature"/>.
    /// </summary>
    public static async ValueTask<ForwarderError> ForwardAsync(
        this IHttpForwarder forwarder, HttpContext context, string destinationPrefix, HttpMessageInvoker invoker,
        ForwarderRequestConfig config, ForwardingTransformer transformer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(forwarder);
        ArgumentNullException.ThrowIfNull(transformer);
        var error = await forwarder.SendAsync(context, destinationPrefix, invoker, config, transformer, cancellationToken);
        return error == ForwarderError.None ? transformer.ResponseBodyError : error;
    }

    /// <summary>
    /// Request settings: YARP's idle timeout off (it would end a quiet event stream or WebSocket; the wait for response
    /// headers is bounded by <see cref="ResponseHeadersTimeout"/> instead), no response buffering, and the given HTTP
    /// version: by default HTTP/2 where TLS negotiates it and HTTP/1.1 otherwise.
    /// </summary>
    public static ForwarderRequestConfig RequestConfig(Version? version = null, HttpVersionPolicy? policy = null) => new()
    {
        ActivityTimeout = Timeout.InfiniteTimeSpan,
        AllowResponseBuffering = false,
        Version = version,
        VersionPolicy = policy,
    };
}
