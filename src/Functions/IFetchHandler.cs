using Microsoft.AspNetCore.Http;

namespace Edge.Functions;

/// <summary>
/// A worker-style request handler: the C# shape of <c>fetch(request, env, ctx)</c>.
/// </summary>
/// <remarks>
/// The host creates one instance per deployed function (through a public constructor taking
/// <see cref="IEdgeEnv"/>, or a parameterless one) and calls <see cref="FetchAsync"/> concurrently
/// for every request routed to it. Return an <see cref="IResult"/>: it runs against the live
/// response, so bodies stream without copies. A handler that has already written the response
/// itself returns <see cref="Results.Empty"/>.
/// A constructor that finds its configuration invalid throws <see cref="FunctionConfigurationException"/>
/// listing every problem; the host reports them all at start-up and refuses to serve.
/// </remarks>
public interface IFetchHandler
{
    /// <summary>Handles one request.</summary>
    /// <param name="request">The incoming request; its body is a stream read on demand.</param>
    /// <param name="env">Bindings: vars, secrets, key-value, buckets, outbound HTTP, clock.</param>
    /// <param name="ctx">Per-request context: deadline, background work, logger.</param>
    ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx);
}
