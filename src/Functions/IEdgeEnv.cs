using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Edge.Functions;

/// <summary>
/// The environment a function runs in: its bindings, shared by every request to it.
/// </summary>
public interface IEdgeEnv
{
    /// <summary>The function's name in the host configuration.</summary>
    string FunctionName { get; }

    /// <summary>
    /// Plain configuration values. Flat strings (<c>Vars["KEY"]</c>) or structured sections a handler binds
    /// to its own options class.
    /// </summary>
    IConfiguration Vars { get; }

    /// <summary>Secret values. Never logged by the host; handlers must not log them either.</summary>
    ISecretStore Secrets { get; }

    /// <summary>The key-value namespace bound under <paramref name="binding"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such binding is configured for this function.</exception>
    IKeyValueStore KeyValue(string binding);

    /// <summary>The object bucket bound under <paramref name="binding"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such binding is configured for this function.</exception>
    IObjectBucket Bucket(string binding);

    /// <summary>
    /// An outbound HTTP invoker. It never follows redirects, never decompresses and never buffers bodies,
    /// so a handler sees exactly what the origin sent and decides itself what to forward.
    /// </summary>
    HttpMessageInvoker Http { get; }

    /// <summary>
    /// An outbound HTTP invoker that behaves like <see cref="Http"/> but sends every request through the proxy
    /// <paramref name="proxy"/>: <c>http://host:port</c> or <c>socks5://host:port</c>, with optional credentials as
    /// <c>user:password@</c> (percent-encoded). Unlike the environment's proxy, it is used for loopback destinations
    /// too. Invokers are shared per distinct proxy and owned by the host: callers never dispose them.
    /// </summary>
    /// <remarks>
    /// For networks where only some destinations go through an exit (a WARP or WireGuard client's local SOCKS5 port,
    /// a corporate HTTP proxy). With <c>socks5://</c> host names are resolved by the proxy.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="proxy"/> is not a usable proxy URL; the message says why and never contains its credentials.
    /// </exception>
    /// <exception cref="NotSupportedException">This environment cannot send requests through an explicit proxy.</exception>
    HttpMessageInvoker HttpVia(Uri proxy) =>
        throw new NotSupportedException("This environment cannot send requests through an explicit proxy.");

    /// <summary>The clock. Handlers never read <see cref="DateTimeOffset.UtcNow"/> directly.</summary>
    TimeProvider Time { get; }

    /// <summary>Loggers for the function's components.</summary>
    ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// Creates the function's meters (<see cref="System.Diagnostics.Metrics"/>). The host exports the instruments of
    /// the meters it knows, the built-in handlers' among them, on its metrics endpoint. The default, for environments
    /// that predate this member, is a factory whose meters nobody exports: instruments work but cost nothing.
    /// </summary>
    IMeterFactory Meters => UnexportedMeterFactory.Instance;

    /// <summary>
    /// A private scratch directory for this function on local disk, for spooling streams that must not be
    /// held in memory. Emptied when the host starts.
    /// </summary>
    string ScratchDirectory { get; }
}
