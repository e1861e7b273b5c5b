using System.Collections.Concurrent;
using Edge.Host.Configuration;

namespace Edge.Host.Hosting;

/// <summary>
/// The invokers behind <see cref="Edge.Functions.IEdgeEnv.HttpVia"/>: one per distinct proxy (address and credentials),
/// created on first use, shared by every function that names the same proxy, disposed with the host.
/// </summary>
internal sealed class ProxiedInvokers(OutboundHttpOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<HttpMessageInvoker>> _invokers = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <exception cref="ArgumentException">Not a usable proxy URL (see <see cref="EgressProxy.Parse"/>).</exception>
    public HttpMessageInvoker Get(Uri proxy)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var parsed = EgressProxy.Parse(proxy);
        return _invokers.GetOrAdd(parsed.Key, _ => new Lazy<HttpMessageInvoker>(() => OutboundHttp.Create(options, parsed))).Value;
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var invoker in _invokers.Values.Where(i => i.IsValueCreated))
        {
            invoker.Value.Dispose();
        }

        _invokers.Clear();
    }
}
