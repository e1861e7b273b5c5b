namespace Edge.Host.Deploy.Versions;

/// <summary>Where a deployed version's code runs.</summary>
internal enum FunctionIsolation
{
    /// <summary>A worker process of its own: deadline, CPU runaway and memory limits enforced, crashes contained.
    /// The default.</summary>
    Worker,

    /// <summary>A collectible AssemblyLoadContext inside the host, for trusted code: the fastest, but only the deadline
    /// (by cancellation) is enforced.</summary>
    InProcess,
}
