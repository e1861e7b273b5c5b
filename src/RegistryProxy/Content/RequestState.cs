namespace Edge.RegistryProxy.Content;

/// <summary>How a request was served, for its log line.</summary>
internal enum CacheOutcome
{
    None,
    Hit,
    Miss,
    Revalidated,
    Stale,
    Shared,
    Bypass,
}

/// <summary>Facts about one request gathered while serving it, logged once at the end.</summary>
internal sealed class RequestState
{
    public string? Upstream { get; set; }

    public string? Repository { get; set; }

    public CacheOutcome Cache { get; set; }

    public long Bytes { get; set; }
}
