namespace Edge.Tunnel.Agent;

/// <summary>Redial delays: exponential from the initial delay to the cap, with jitter so a fleet of agents does not
/// redial a restarted relay in lockstep.</summary>
internal static class TunnelBackoff
{
    /// <summary>The delay before redial number <paramref name="failures"/> (1-based).</summary>
    /// <param name="failures">Consecutive failures so far (at least 1).</param>
    /// <param name="initial">The first delay.</param>
    /// <param name="max">The cap.</param>
    /// <param name="random01">A uniform sample in [0, 1): the delay is scaled by 0.75 to 1.25, then capped.</param>
    public static TimeSpan Compute(int failures, TimeSpan initial, TimeSpan max, double random01)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var baseTicks = Math.Min((double)max.Ticks, initial.Ticks * Math.Pow(2, exponent));
        var jittered = baseTicks * (0.75 + (random01 * 0.5));
        return TimeSpan.FromTicks((long)Math.Min(jittered, max.Ticks));
    }
}
