using System.Net;
using Edge.Host.Configuration;

namespace Edge.Host.Hosting;

/// <summary>Builds the outbound invoker functions share.</summary>
internal static class OutboundHttp
{
    /// <param name="options">Timeouts and proxy use.</param>
    /// <param name="environmentProxy">The proxy the environment configures; default <see cref="HttpClient.DefaultProxy"/>.</param>
    public static HttpMessageInvoker Create(OutboundHttpOptions options, IWebProxy? environmentProxy = null)
    {
        var handler = new SocketsHttpHandler
        {
            // Handlers decide about redirects themselves: following one must not carry credentials along.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            UseProxy = options.UseEnvironmentProxy,
            Proxy = options.UseEnvironmentProxy ? new LoopbackBypassProxy(environmentProxy ?? HttpClient.DefaultProxy) : null,
            EnableMultipleHttp2Connections = true,
            // Layers stream straight through; bigger socket reads mean fewer syscalls per gigabyte.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
