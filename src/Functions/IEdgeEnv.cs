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

    /// <summary>The clock. Handlers never read <see cref="DateTimeOffset.UtcNow"/> directly.</summary>
    TimeProvider Time { get; }

    /// <summary>Loggers for the function's components.</summary>
    ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// A private scratch directory for this function on local disk, for spooling streams that must not be
    /// held in memory. Emptied when the host starts.
    /// </summary>
    string ScratchDirectory { get; }
}
