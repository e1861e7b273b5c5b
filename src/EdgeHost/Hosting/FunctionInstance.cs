using Edge.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>A loaded function: its handler, its environment, its limits, its schedules and the logger its requests
/// get.</summary>
internal sealed record FunctionInstance(string Name, IFetchHandler Handler, EdgeEnv Env, TimeSpan? Timeout) : IRouteTarget
{
    /// <summary>The deployed version this instance runs (<c>v12</c>); null for a function of the host's configuration.</summary>
    public string? Version { get; init; }

    /// <summary>Its requests in flight.</summary>
    public FunctionActivity Activity { get; } = new();

    /// <summary>When its scheduled handler runs (empty: never).</summary>
    public IReadOnlyList<Scheduling.FunctionSchedule> Schedules { get; init; } = [];

    public ILogger Logger { get; } = Env?.LoggerFactory.CreateLogger("Edge.Function." + Name) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <inheritdoc />
    public FunctionInstance Pick(HttpRequest request) => this;
}
