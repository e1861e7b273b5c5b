namespace Edge.Bindings;

/// <summary>One object bucket (<c>Edge:Buckets:NAME</c>).</summary>
public sealed class BucketOptions
{
    /// <summary>The smallest part S3 accepts for every part of a multipart upload but the last: 5 MiB.</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>The smallest block an <c>azure</c> bucket sends: 1 MiB.</summary>
    /// <remarks>
    /// Smaller blocks multiply requests, and Azure's 50,000 blocks per blob would cap an object below 48 GiB.
    /// </remarks>
    public const int MinBlockSize = 1024 * 1024;

    /// <summary>The largest block an <c>azure</c> bucket sends: 1 GiB.</summary>
    /// <remarks>
    /// Azure accepts blocks up to 4000 MiB, but an upload holds two blocks in managed arrays; two of 1 GiB stay within
    /// what one process can reasonably spare and within .NET's array limit.
    /// </remarks>
    public const int MaxBlockSize = 1024 * 1024 * 1024;

    /// <summary>
    /// The storage kind: <c>disk</c>, <c>s3</c> or <c>azure</c> (Azure Blob storage). Default <c>disk</c>: needs no
    /// external service.
    /// </summary>
    public string Type { get; set; } = "disk";

    /// <summary>For <c>disk</c>: the directory. Default <c>DATA/buckets/NAME</c>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// For <c>s3</c>: the service URL of an S3-compatible store (<c>http://minio:9000</c>). Default none: Amazon S3
    /// in <see cref="Region"/>. For <c>azure</c>: the Blob service URL (Azurite's
    /// <c>http://127.0.0.1:10000/devstoreaccount1</c>, a sovereign cloud, a private endpoint), without a query: a SAS
    /// goes in <see cref="SasToken"/>. Default <c>https://ACCOUNT.blob.core.windows.net</c> from
    /// <see cref="AccountName"/>.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>For <c>s3</c>: the region requests are signed for. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>For <c>s3</c>: the S3 bucket (it must exist). Required.</summary>
    public string? BucketName { get; set; }

    /// <summary>
    /// For <c>s3</c> and <c>azure</c>: a key prefix inside the S3 bucket or the Azure container, e.g. <c>edge/cache/</c>,
    /// so several buckets or installations can share one. Default none.
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

    /// <summary>
    /// For <c>s3</c>: the limit on one request to the store, until its response headers. For <c>azure</c>: the limit on
    /// one try of a request, waiting for its answer or for the next bytes of a body being read (a failed try is tried
    /// again twice). Default 60 s: long enough for a part or block of several MiB on a slow uplink, short enough that a
    /// store that stopped answering fails a pull over to upstream within a minute or so.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// For <c>azure</c>: a storage account connection string (<c>DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…</c>
    /// or one with a <c>SharedAccessSignature</c>), instead of <see cref="AccountName"/>, <see cref="AccountKey"/>,
    /// <see cref="SasToken"/> and <see cref="Endpoint"/>. Default none. It holds a secret: never logged; prefer the
    /// environment variable <c>Edge__Buckets__NAME__ConnectionString</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// For <c>azure</c>: the storage account name, which signs requests with <see cref="AccountKey"/> and names the
    /// default <see cref="Endpoint"/>. Default none.
    /// </summary>
    public string? AccountName { get; set; }

    /// <summary>
    /// For <c>azure</c>: the storage account's shared key (base64), with <see cref="AccountName"/>. Default none. Never
    /// logged; prefer the environment variable <c>Edge__Buckets__NAME__AccountKey</c>.
    /// </summary>
    public string? AccountKey { get; set; }

    /// <summary>
    /// For <c>azure</c>: a shared access signature (the query string, with or without its leading '?') allowing read,
    /// write, delete and list on the container, with <see cref="Endpoint"/> or <see cref="AccountName"/>. Default none.
    /// Never logged; prefer the environment variable <c>Edge__Buckets__NAME__SasToken</c>.
    /// </summary>
    public string? SasToken { get; set; }

    /// <summary>For <c>azure</c>: the blob container (it must exist). Required.</summary>
    public string? Container { get; set; }

    /// <summary>
    /// For <c>azure</c>: the size of each staged block, and so the most one upload holds in memory twice over (one
    /// block being sent while the next fills). Default 8 MiB: objects up to it (manifests, configs, most small layers)
    /// take one Put Blob; an upload holds at most 16 MiB; and Azure's 50,000 blocks per blob still allow objects of
    /// about 390 GiB. Between <see cref="MinBlockSize"/> and <see cref="MaxBlockSize"/>.
    /// </summary>
    public int BlockSize { get; set; } = 8 * 1024 * 1024;
}
