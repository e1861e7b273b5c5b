using Edge.Host.Hosting;

namespace Edge.Host.Deploy;

/// <summary>A deployed function that serves: its route target and the activations behind it.</summary>
/// <param name="Target">What its routes lead to (current, and a candidate during a rollout).</param>
/// <param name="Patterns">Its routes.</param>
/// <param name="Current">The current version's activation.</param>
/// <param name="Candidate">The candidate's activation during a rollout.</param>
internal sealed record LiveFunction(DeployedFunction Target, IReadOnlyList<RoutePattern> Patterns, Activation Current, Activation? Candidate);
