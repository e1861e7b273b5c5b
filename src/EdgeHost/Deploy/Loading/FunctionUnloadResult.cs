namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Whether a retired function version left memory: checked right after unloading, and readable again at any time
/// (<see cref="IsCollected"/>) without forcing a collection, for <c>edge list</c>.
/// </summary>
internal sealed class FunctionUnloadResult
{
    private readonly WeakReference _context;

    public FunctionUnloadResult(FunctionVersion version, WeakReference context, bool unloaded, int collections, IReadOnlyList<string> stillLoaded)
    {
        Version = version;
        _context = context;
        Unloaded = unloaded;
        Collections = collections;
        StillLoaded = stillLoaded;
    }

    /// <summary>Which version.</summary>
    public FunctionVersion Version { get; }

    /// <summary>Whether its load context was collected within the check's garbage collections.</summary>
    public bool Unloaded { get; }

    /// <summary>How many full garbage collections the check ran.</summary>
    public int Collections { get; }

    /// <summary>Its assemblies still in memory at the end of the check (empty when unloaded).</summary>
    public IReadOnlyList<string> StillLoaded { get; }

    /// <summary>Whether its load context is gone now: true once whatever held it let go and a later collection ran.</summary>
    public bool IsCollected => !_context.IsAlive;

    /// <summary>One line for <c>edge list</c>.</summary>
    public override string ToString() => (Unloaded, IsCollected) switch
    {
        (true, _) => "unloaded",
        (false, true) => "unloaded (late: something held it when it was retired)",
        _ => $"NOT unloaded: something still references its code ({string.Join(", ", StillLoaded)} still loaded)",
    };
}
