namespace Edge.Host.Configuration;

/// <summary>The key-value store (<c>Edge:KeyValue</c>).</summary>
public sealed class KeyValueOptions
{
    /// <summary>The store kind. Default <c>sqlite</c>: an embedded file, no external service.</summary>
    public string Type { get; set; } = "sqlite";

    /// <summary>For <c>sqlite</c>: the database file. Default <c>DATA/kv.sqlite</c>.</summary>
    public string? Path { get; set; }
}
