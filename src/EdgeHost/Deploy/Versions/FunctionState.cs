namespace Edge.Host.Deploy.Versions;

/// <summary>
/// Which versions of a deployed function serve: <paramref name="Current"/>, and during a gradual rollout
/// <paramref name="Candidate"/> for <paramref name="CandidatePercent"/> percent of the traffic.
/// </summary>
/// <param name="Current">The version that serves (its number).</param>
/// <param name="Candidate">The version being rolled out, or null.</param>
/// <param name="CandidatePercent">The share of requests the candidate gets, 1-99; 0 without a candidate.</param>
internal sealed record FunctionState(int Current, int? Candidate = null, int CandidatePercent = 0);
