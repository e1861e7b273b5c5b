using Microsoft.AspNetCore.Http;

namespace Edge.Host.Hosting;

/// <summary>What a route leads to: one function instance, or a deployed function choosing between two versions during
/// a gradual rollout.</summary>
internal interface IRouteTarget
{
    /// <summary>The function's name.</summary>
    string Name { get; }

    /// <summary>The instance that serves <paramref name="request"/>.</summary>
    FunctionInstance Pick(HttpRequest request);
}
