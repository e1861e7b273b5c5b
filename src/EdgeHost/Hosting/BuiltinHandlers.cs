using Edge.Functions;
using Edge.RegistryProxy;

namespace Edge.Host.Hosting;

/// <summary>Handlers shipped inside the host, addressed as <c>builtin:NAME</c>.</summary>
internal static class BuiltinHandlers
{
    private static readonly Dictionary<string, Func<IEdgeEnv, IFetchHandler>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["registry-proxy"] = env => new RegistryProxyHandler(env),
    };

    public static IEnumerable<string> Names => Factories.Keys;

    public static bool TryGet(string handler, out Func<IEdgeEnv, IFetchHandler>? factory)
    {
        factory = null;
        const string Prefix = "builtin:";
        return handler.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            && Factories.TryGetValue(handler[Prefix.Length..], out factory);
    }
}
