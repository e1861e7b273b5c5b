namespace Edge.Host.Configuration;

/// <summary>One object bucket (<c>Edge:Buckets:NAME</c>).</summary>
public sealed class BucketOptions
{
    /// <summary>The storage kind. Default <c>disk</c>: needs no external service.</summary>
    public string Type { get; set; } = "disk";

    /// <summary>For <c>disk</c>: the directory. Default <c>DATA/buckets/NAME</c>.</summary>
    public string? Path { get; set; }
}
