namespace Edge.Host.Configuration;

/// <summary>One function hosted by the edge (<c>Functions:NAME</c>).</summary>
public sealed class FunctionOptions
{
    /// <summary>The configuration section that holds function definitions.</summary>
    public const string SectionName = "Functions";

    /// <summary>Whether the function is served. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>What runs: <c>builtin:NAME</c> for a handler shipped with the host.</summary>
    public string? Handler { get; set; }

    /// <summary>
    /// Route patterns, Workers style: <c>HOST[/PATH*]</c>, where HOST is <c>*</c>, <c>example.com</c> or
    /// <c>*.example.com</c> and PATH ends in <c>*</c> for a prefix. The most specific route wins.
    /// </summary>
    public List<string> Routes { get; set; } = [];

    /// <summary>
    /// The configuration section handed to the function as <c>env.Vars</c>. Default <c>Functions:NAME:Vars</c>.
    /// </summary>
    public string? VarsFrom { get; set; }

    /// <summary>Secrets by name. Values are never logged.</summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Bucket bindings: binding name to bucket name.</summary>
    public Dictionary<string, string> Buckets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Key-value bindings: binding name to namespace.</summary>
    public Dictionary<string, string> KeyValue { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The longest a request may run before its token is cancelled and the client gets 504.
    /// Default none: the registry proxy streams multi-gigabyte layers for as long as they take.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// When the function's scheduled handler (<c>IScheduledHandler</c>) runs. Default none. A function with schedules
    /// may have no routes.
    /// </summary>
    public List<ScheduleOptions> Schedules { get; set; } = [];
}

/// <summary>One schedule of a function (<c>Functions:NAME:Schedules:N</c>).</summary>
public sealed class ScheduleOptions
{
    /// <summary>
    /// A cron expression: five fields (minute hour day-of-month month day-of-week), six with seconds first
    /// (<c>*/10 * * * * *</c>), or a macro such as <c>@hourly</c> or <c>@daily</c>. Required.
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>The IANA time zone the expression is read in (<c>Europe/Berlin</c>). Default <c>UTC</c>.</summary>
    public string TimeZone { get; set; } = "UTC";
}
