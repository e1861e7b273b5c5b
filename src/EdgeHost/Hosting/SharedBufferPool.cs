namespace Edge.Host.Hosting;

/// <summary>
/// Sizes the runtime's shared array pool (<c>ArrayPool&lt;T&gt;.Shared</c>) for a proxy's working set. The runtime reads
/// the setting from the environment once, when any shared pool is first used, so <see cref="Configure"/> runs as the
/// first statement of <c>Main</c>.
/// </summary>
/// <remarks>
/// SocketsHttpHandler holds the unread part of each HTTP/2 response in 16 KiB arrays rented from the shared pool, up
/// to the stream's receive window (on the relay, <c>Relay:MaxStreamWindowSize</c>, 4 MiB). The runtime keeps at most
/// 32 returned arrays of a size per core, so 16 relayed downloads whose clients read slower than the agent sends
/// rented hundreds of arrays that the pool could not keep: each one was allocated anew, zeroed and collected, and
/// the relay spent about a third of its CPU on that (docs/benchmarks.md). With room for
/// <see cref="MaxArraysPerPartition"/> per core the arrays are reused. The pool only keeps arrays that were in use
/// at once (bounded by the windows above), and the runtime trims them when they go unused or memory runs short.
/// </remarks>
internal static class SharedBufferPool
{
    /// <summary>The environment variable the runtime reads for the number of arrays of each size kept per core.</summary>
    public const string MaxArraysPerPartitionVariable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Arrays of each size kept per core: 64 MiB of 16 KiB arrays, the 4 MiB windows of 16 streams.</summary>
    public const int MaxArraysPerPartition = 4096;

    /// <summary>
    /// Sets <see cref="MaxArraysPerPartitionVariable"/> unless it is already set (an operator's own value wins).
    /// Returns the value in force.
    /// </summary>
    public static string Configure()
    {
        var current = Environment.GetEnvironmentVariable(MaxArraysPerPartitionVariable);
        if (!string.IsNullOrEmpty(current))
        {
            return current;
        }

        var value = MaxArraysPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable(MaxArraysPerPartitionVariable, value);
        return value;
    }
}
