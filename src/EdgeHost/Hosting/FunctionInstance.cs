using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>A loaded function: its handler, its environment, its limits, its schedules and the logger its requests
/// get.</summary>
internal sealed record FunctionInstance(string Name, IFetchHandler Handler, EdgeEnv Env, TimeSpan? Timeout)
{
    /// <summary>When its scheduled handler runs (empty: never).</summary>
    public IReadOnlyList<Scheduling.FunctionSchedule> Schedules { get; init; } = [];

    public ILogger Logger { get; } = Env?.LoggerFactory.CreateLogger("Edge.Function." + Name) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
