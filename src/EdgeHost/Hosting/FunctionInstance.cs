using Edge.Functions;

namespace Edge.Host.Hosting;

/// <summary>A loaded function: its handler, its environment and its limits.</summary>
internal sealed record FunctionInstance(string Name, IFetchHandler Handler, EdgeEnv Env, TimeSpan? Timeout);
