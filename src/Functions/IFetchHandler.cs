using Microsoft.AspNetCore.Http;

namespace Edge.Functions;

/// <summary>
/// A worker-style request handler: the C# shape of <c>fetch(request, env, ctx)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The host creates one instance per deployed function (through a public constructor taking
/// <see cref="IEdgeEnv"/>, or a parameterless one) and calls <see cref="FetchAsync"/> concurrently
/// for every request routed to it.
/// </para>
/// <para>
/// The returned <see cref="IResult"/> is the response, as in ASP.NET Core's minimal APIs: <c>Results.Text</c>,
/// <c>Results.Json</c>, <c>Results.Redirect</c>, <c>Results.Stream</c>, or a result type of the handler's own. The host
/// executes it against the live response, so bodies stream without copies; a handler that streams or forwards a
/// response does that work in its result's <see cref="IResult.ExecuteAsync"/>. A handler never writes the response
/// itself before it returns: the host then logs the broken contract and does not execute the result.
/// </para>
/// <para>
/// A handler may also implement <see cref="IFunctionLifecycle"/> (start and stop hooks for background work it owns),
/// <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> (called once after it stopped), and
/// <see cref="IScheduledHandler"/> (runs on the function's schedules).
/// </para>
/// <para>
/// A constructor that finds its configuration invalid throws <see cref="FunctionConfigurationException"/>
/// listing every problem; the host reports them all and refuses the function.
/// </para>
/// </remarks>
public interface IFetchHandler
{
    /// <summary>Handles one request.</summary>
    /// <param name="request">The incoming request; its body is a stream read on demand.</param>
    /// <param name="env">Bindings: vars, secrets, key-value, buckets, outbound HTTP, clock.</param>
    /// <param name="ctx">Per-request context: cancellation (client gone or deadline), background work, logger, client.</param>
    /// <returns>The response.</returns>
    ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx);
}
