using Edge.Functions;
using Microsoft.AspNetCore.Http;

namespace Edge.RegistryProxy;

/// <summary>The registry pull-through proxy handler.</summary>
public sealed class RegistryProxyHandler : IFetchHandler
{
    /// <inheritdoc />
    public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
        => ValueTask.FromResult(Results.NotFound());
}
