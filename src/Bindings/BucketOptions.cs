namespace Edge.Bindings;

/// <summary>One object bucket (<c>Edge:Buckets:NAME</c>).</summary>
public sealed class BucketOptions
{
    /// <summary>The smallest part S3 accepts for every part of a multipart upload but the last: 5 MiB.</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>The storage kind: <c>disk</c> or <c>s3</c>. Default <c>disk</c>: needs no external service.</summary>
    public string Type { get; set; } = "disk";

    /// <summary>For <c>disk</c>: the directory. Default <c>DATA/buckets/NAME</c>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// For <c>s3</c>: the service URL of an S3-compatible store (<c>http://minio:9000</c>). Default none: Amazon S3
    /// in <see cref="Region"/>.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>For <c>s3</c>: the region requests are signed for. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>For <c>s3</c>: the S3 bucket (it must exist). Required.</summary>
    public string? BucketName { get; set; }

    /// <summary>
    /// For <c>s3</c>: a key prefix inside the S3 bucket, e.g. <c>edge/cache/</c>, so several buckets or installations
    /// can share one. Default none.
    /// </summary>
    public string? Prefix { get; set; }

    /// <summary>
    /// For <c>s3</c>: the access key ID. Default none: the AWS SDK's usual sources (<c>AWS_ACCESS_KEY_ID</c> and
    /// <c>AWS_SECRET_ACCESS_KEY</c>, the shared profile, an instance role).
    /// </summary>
    public string? AccessKey { get; set; }

    /// <summary>For <c>s3</c>: the secret access key, with <see cref="AccessKey"/>. Never logged.</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// For <c>s3</c>: address buckets as <c>ENDPOINT/BUCKET/KEY</c> instead of <c>BUCKET.ENDPOINT/KEY</c>. Default
    /// <c>true</c> with an <see cref="Endpoint"/> (what S3-compatible stores expect), <c>false</c> for Amazon S3.
    /// </summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>
    /// For <c>s3</c>: the size of each part of a multipart upload, and so the most one upload holds in memory twice
    /// over (one part being sent while the next fills). Default 8 MiB; at least 5 MiB (S3's minimum). Objects up to
    /// this size are sent with one PUT.
    /// </summary>
    public int PartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>For <c>s3</c>: the limit on one request to the store, until its response headers. Default 60 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
}
