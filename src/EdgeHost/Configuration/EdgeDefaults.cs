namespace Edge.Host.Configuration;

/// <summary>
/// The lowest-priority configuration layer: what <c>edge serve</c> does with no configuration at all.
/// The registry proxy answers every host on port 5000, caching to a disk bucket and the embedded
/// key-value store.
/// </summary>
internal static class EdgeDefaults
{
    /// <summary>The registry proxy's conventional port, as CNCF distribution uses.</summary>
    public const string Urls = "http://0.0.0.0:5000";

    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["urls"] = Urls,
        ["Functions:registry:Handler"] = "builtin:registry-proxy",
        ["Functions:registry:Routes:0"] = "*",
        ["Functions:registry:VarsFrom"] = "Registry",
        ["Functions:registry:Buckets:cache"] = "cache",
        ["Functions:registry:KeyValue:meta"] = "registry",
    };
}
