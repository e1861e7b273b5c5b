using System.Net;
using Edge.Host.Configuration;

namespace Edge.Host.Hosting;

/// <summary>Builds the outbound invokers functions use: the shared one and one per explicit proxy.</summary>
internal static class OutboundHttp
{
    /// <summary>The invoker behind <see cref="Edge.Functions.IEdgeEnv.Http"/>.</summary>
    /// <param name="options">Timeouts and proxy use.</param>
    /// <param name="environmentProxy">The proxy the environment configures; default <see cref="HttpClient.DefaultProxy"/>.</param>
    public static HttpMessageInvoker Create(OutboundHttpOptions options, IWebProxy? environmentProxy = null)
    {
        var handler = CreateHandler(options);
        handler.UseProxy = options.UseEnvironmentProxy;
        handler.Proxy = options.UseEnvironmentProxy ? new LoopbackBypassProxy(environmentProxy ?? HttpClient.DefaultProxy) : null;
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>
    /// An invoker with the same settings that sends everything through <paramref name="proxy"/>, loopback destinations
    /// included (<see cref="Edge.Functions.IEdgeEnv.HttpVia"/>): an operator who names a proxy for an upstream means it.
    /// </summary>
    public static HttpMessageInvoker Create(OutboundHttpOptions options, EgressProxy proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        var handler = CreateHandler(options);
        handler.UseProxy = true;
        // The address carries no credentials, so the handler's error messages (which quote it) cannot leak them.
        handler.Proxy = new WebProxy(proxy.Address) { BypassProxyOnLocal = false, Credentials = proxy.Credentials };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static SocketsHttpHandler CreateHandler(OutboundHttpOptions options) => new()
    {
        // Handlers decide about redirects themselves: following one must not carry credentials along.
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = options.PooledConnectionLifetime,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        EnableMultipleHttp2Connections = true,
        // Layers stream straight through; bigger socket reads mean fewer syscalls per gigabyte.
        InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        ResponseDrainTimeout = TimeSpan.FromSeconds(2),
    };
}
