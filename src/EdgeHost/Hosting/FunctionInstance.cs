using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>A loaded function: its handler, its environment, its limits and the logger its requests get.</summary>
internal sealed record FunctionInstance(string Name, IFetchHandler Handler, EdgeEnv Env, TimeSpan? Timeout)
{
    public ILogger Logger { get; } = Env?.LoggerFactory.CreateLogger("Edge.Function." + Name) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
