namespace Edge.Host.Deploy.Versions;

/// <summary>
/// What a deployed version is besides its code: routes, vars, bindings, schedules and limits (from <c>edge.yaml</c> or
/// the CLI's flags). The same keys as a function in the host's configuration (<c>Functions:NAME</c>), so the README's
/// reference covers both. Immutable once a version is made.
/// </summary>
/// <param name="Handler">The handler's type name, when the code holds several; null: the only one.</param>
/// <param name="Routes">Route patterns (<c>HOST[/PATH*]</c>); may be empty when <paramref name="Schedules"/> is not.</param>
/// <param name="Vars">Plain values by configuration key (<c>KEY</c> or <c>SECTION:KEY</c>), handed over as <c>env.Vars</c>.</param>
/// <param name="KeyValue">Key-value bindings: binding name to namespace.</param>
/// <param name="Buckets">Bucket bindings: binding name to a bucket of the host (<c>Edge:Buckets</c>).</param>
/// <param name="Schedules">Cron schedules of its scheduled handler.</param>
/// <param name="Timeout">The deadline of a request or scheduled run; null: none.</param>
/// <param name="MemoryLimit">The most memory its worker may use, in bytes; null: the host's default.</param>
/// <param name="Isolation">Where it runs.</param>
internal sealed record FunctionManifest(
    string? Handler,
    IReadOnlyList<string> Routes,
    IReadOnlyDictionary<string, string> Vars,
    IReadOnlyDictionary<string, string> KeyValue,
    IReadOnlyDictionary<string, string> Buckets,
    IReadOnlyList<ManifestSchedule> Schedules,
    TimeSpan? Timeout,
    long? MemoryLimit,
    FunctionIsolation Isolation);

/// <summary>One schedule of a deployed version.</summary>
/// <param name="Cron">The cron expression (five fields, six with seconds first, or a macro).</param>
/// <param name="TimeZone">The IANA time zone it is read in.</param>
internal sealed record ManifestSchedule(string Cron, string TimeZone);
