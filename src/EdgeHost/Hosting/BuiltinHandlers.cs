using Edge.Functions;
using Edge.HttpProxy;
using Edge.RegistryProxy;

namespace Edge.Host.Hosting;

/// <summary>Handlers shipped inside the host, addressed as <c>builtin:NAME</c>.</summary>
internal static class BuiltinHandlers
{
    /// <summary>The handlers every host has.</summary>
    public static IReadOnlyDictionary<string, Func<IEdgeEnv, IFetchHandler>> Defaults { get; } = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>>(StringComparer.OrdinalIgnoreCase)
    {
        ["registry-proxy"] = env => new RegistryProxyHandler(env),
        ["http-proxy"] = env => new HttpProxyHandler(env),
    };

    /// <summary>The defaults plus <paramref name="extra"/> (a harness's own handlers), extra winning on a name clash.</summary>
    public static IReadOnlyDictionary<string, Func<IEdgeEnv, IFetchHandler>> With(IReadOnlyDictionary<string, Func<IEdgeEnv, IFetchHandler>>? extra)
    {
        if (extra is null || extra.Count == 0)
        {
            return Defaults;
        }

        var all = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>>(Defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, factory) in extra)
        {
            all[name] = factory;
        }

        return all;
    }

    public static bool TryGet(IReadOnlyDictionary<string, Func<IEdgeEnv, IFetchHandler>> handlers, string handler, out Func<IEdgeEnv, IFetchHandler>? factory)
    {
        factory = null;
        const string Prefix = "builtin:";
        return handler.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            && handlers.TryGetValue(handler[Prefix.Length..], out factory);
    }
}
