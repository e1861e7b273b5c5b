using System.Net;

namespace Edge.Host.Hosting;

/// <summary>
/// The environment's proxy (<c>HTTP_PROXY</c>/<c>HTTPS_PROXY</c>/<c>NO_PROXY</c>), except that loopback destinations
/// (<c>localhost</c>, 127.0.0.0/8, ::1) always go direct.
/// </summary>
/// <remarks>
/// A proxy elsewhere cannot reach this machine's loopback, so sending such requests to it only breaks them; Go's
/// <c>ProxyFromEnvironment</c> (and so cloudflared) makes the same exception. It matters for
/// <c>builtin:http-proxy</c>, whose origin is usually a local app, on hosts that set HTTP_PROXY for their egress.
/// </remarks>
internal sealed class LoopbackBypassProxy(IWebProxy inner) : IWebProxy
{
    public ICredentials? Credentials
    {
        get => inner.Credentials;
        set => inner.Credentials = value;
    }

    public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : inner.GetProxy(destination);

    public bool IsBypassed(Uri host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.IsLoopback || inner.IsBypassed(host);
    }
}
