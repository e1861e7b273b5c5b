using Amazon.Runtime;
using Amazon.S3;

namespace Edge.Bindings.S3;

/// <summary>Builds the AWS SDK client for an <c>s3</c> bucket, set up for S3-compatible stores as well as Amazon S3.</summary>
internal static class S3Client
{
    public static AmazonS3Client Create(BucketOptions options, HttpClientFactory? httpClientFactory = null)
    {
        var config = new AmazonS3Config
        {
            // The SDK's default since v4 is aws-chunked bodies with trailing checksums, which several S3-compatible
            // stores keep verbatim as the object's bytes. Plain bodies work everywhere; the registry proxy verifies
            // every blob's digest before it commits.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            ForcePathStyle = options.ForcePathStyle ?? options.Endpoint is not null,
            Timeout = options.Timeout,
            MaxErrorRetry = 2,
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return options.AccessKey is { } accessKey
            ? new AmazonS3Client(new BasicAWSCredentials(accessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }

    /// <summary>
    /// Configuration problems of an <c>s3</c> bucket, each naming its key (<see cref="ObjectBuckets.Validate"/> adds those
    /// every remote store shares: <c>Prefix</c>, <c>Timeout</c>).
    /// </summary>
    public static IEnumerable<string> Validate(string name, BucketOptions options)
    {
        var at = $"Edge:Buckets:{name}";
        if (string.IsNullOrWhiteSpace(options.BucketName))
        {
            yield return $"{at}:BucketName is required for an s3 bucket: the S3 bucket to store objects in.";
        }

        if (options.Endpoint is { } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https")
                || !string.IsNullOrEmpty(uri.UserInfo)
                || uri.PathAndQuery != "/"))
        {
            yield return $"{at}:Endpoint '{UrlRedaction.Redact(endpoint)}' is not an http:// or https:// URL without path or credentials.";
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            yield return $"{at}:Region must not be empty.";
        }

        if (options.AccessKey is null != options.SecretKey is null)
        {
            yield return $"{at}:AccessKey and {at}:SecretKey go together: set both, or neither to use the AWS SDK's usual credential sources.";
        }

        if (options.PartSize < BucketOptions.MinPartSize)
        {
            yield return $"{at}:PartSize {options.PartSize} is below S3's minimum part size of {BucketOptions.MinPartSize} bytes (5 MiB).";
        }
    }
}
