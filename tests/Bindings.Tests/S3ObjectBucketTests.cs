using System.Security.Cryptography;
using Amazon.S3.Model;
using Edge.Bindings.S3;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary>
/// The S3 bucket against a real S3-compatible server (s3rver): the whole contract (see
/// <see cref="ObjectBucketContractTests"/>; each test under a key prefix of its own), and what is S3's own: multipart
/// uploads, S3's metadata rules, its error codes.
/// </summary>
/// <remarks>
/// s3rver keeps objects as files named KEY._S3rver_object, so unlike S3 it cannot hold both "a" and "a/x", and it lists
/// by walking folders, so "a/x" comes before "a-x" and "a.x" (S3 lists in ordinal order, "a-x", "a.x", "a/x"): the
/// contract's test of those (<see cref="ObjectBucketContractTests.AssertKeyAndKeyAsFolderCoexistInOrdinalOrderAsync"/>)
/// runs for disk and Azure only. Nor are its writes atomic (bytes and metadata are separate files), so neither is the one
/// of many concurrent uploads of one key (<see cref="ObjectBucketContractTests.AssertManyConcurrentUploadsOfOneKeyLeaveOneWholeObjectAsync"/>).
/// </remarks>
public sealed class S3ObjectBucketTests(S3ServerFixture fixture) : ObjectBucketContractTests, IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly List<S3ObjectBucket> buckets = [];
    private readonly string prefix = "t-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        foreach (var bucket in buckets)
        {
            bucket.Dispose();
        }
    }

    protected override bool ListsDescriptions => false;

    protected override bool ReadsUploadsInProgress => false;

    protected override IObjectBucket OpenBucket(int? listPageSize = null) => NewBucket(listPageSize: listPageSize ?? 1000);

    protected override void AssertCommitTime(DateTimeOffset value) =>
        Assert.InRange(value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

    [Fact]
    public async Task PutAsync_MetadataNamesInAnyCase_ComeBackInLowerCase()
    {
        var bucket = NewBucket();
        var data = StreamHelpers.Pattern(100_000);
        var metadata = new Dictionary<string, string> { ["Origin"] = "docker", ["digest-alg"] = "sha256" };

        var committed = await bucket.PutAsync("manifests/sha256/ab/abc", new MemoryStream(data), new ObjectPutOptions { ContentType = "application/vnd.oci.image.manifest.v1+json", Metadata = metadata });
        var head = await bucket.HeadAsync("manifests/sha256/ab/abc");
        await using var body = await bucket.GetAsync("manifests/sha256/ab/abc");

        Assert.Equal(data.Length, committed.Size);
        Assert.NotNull(head);
        Assert.NotNull(body);
        Assert.Equal(data, await StreamHelpers.ReadAllAsync(body.Content));
        Assert.Equal((0L, (long)data.Length, (long)data.Length), (body.Offset, body.Length, body.Info.Size));
        foreach (var info in new[] { head, body.Info })
        {
            Assert.Equal("manifests/sha256/ab/abc", info.Key);
            Assert.Equal(data.Length, info.Size);
            Assert.Equal("application/vnd.oci.image.manifest.v1+json", info.ContentType);
            Assert.Equal("docker", info.Metadata["origin"]);
            Assert.Equal("sha256", info.Metadata["digest-alg"]);
            Assert.InRange(info.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        }
    }

    [Fact]
    public async Task PutAsync_LargerThanPartSize_MultipartUploadInPartsSameBytes()
    {
        var bucket = NewBucket();
        const int size = (2 * BucketOptions.MinPartSize) + 123_457;
        using var source = new PatternStream(size);
        var expected = SHA256.HashData(new PatternStream(size));

        await using (var upload = await bucket.BeginPutAsync("blobs/big"))
        {
            await source.CopyToAsync(upload.Content, 64 * 1024 + 7);
            var info = await upload.CommitAsync();
            Assert.Equal(size, info.Size);
            Assert.Equal(3, ((S3ObjectUpload)upload).PartsSent);
        }

        await using var body = await bucket.GetAsync("blobs/big");
        Assert.NotNull(body);
        Assert.Equal(size, body.Length);
        Assert.Equal(expected, await SHA256.HashDataAsync(body.Content));
    }

    [Fact]
    public async Task Upload_SynchronousWritesAcrossParts_SameBytes()
    {
        var bucket = NewBucket();
        var data = StreamHelpers.Pattern((2 * BucketOptions.MinPartSize) + 10);

        await using (var upload = await bucket.BeginPutAsync("sync"))
        {
            for (var offset = 0; offset < data.Length; offset += 1024 * 1024)
            {
                upload.Content.Write(data, offset, Math.Min(1024 * 1024, data.Length - offset));
            }

            await upload.CommitAsync();
            Assert.Equal(3, ((S3ObjectUpload)upload).PartsSent);
        }

        await using var body = await bucket.GetAsync("sync");
        Assert.NotNull(body);
        Assert.Equal(SHA256.HashData(data), await SHA256.HashDataAsync(body.Content));
    }

    [Fact]
    public async Task PutAsync_ExactlyOnePart_SinglePut()
    {
        var bucket = NewBucket();
        var data = StreamHelpers.Pattern(BucketOptions.MinPartSize);

        await using (var upload = await bucket.BeginPutAsync("one-part"))
        {
            await upload.Content.WriteAsync(data);
            await upload.CommitAsync();
            Assert.Equal(0, ((S3ObjectUpload)upload).PartsSent);
        }

        await using var body = await bucket.GetAsync("one-part");
        Assert.NotNull(body);
        Assert.Equal(data, await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task BeginPutAsync_AbandonedAfterPartsWereSent_NothingVisibleAndAbortRequested()
    {
        var requests = new RecordingHttpClientFactory();
        var logger = new ListLogger();
        var bucket = NewBucket(httpClientFactory: requests, logger: logger);
        await using (var upload = await bucket.BeginPutAsync("abandoned"))
        {
            await upload.Content.WriteAsync(StreamHelpers.Pattern(BucketOptions.MinPartSize + 1000));
            Assert.Equal(1, ((S3ObjectUpload)upload).PartsStarted);
        }

        Assert.Null(await bucket.HeadAsync("abandoned"));
        Assert.Empty(await KeysAsync(bucket, ""));
        var path = "/" + S3ServerFixture.Bucket + "/" + bucket.StoreKey("abandoned");
        Assert.Contains(requests.Seen, r => r.Method == "POST" && r.Path == path && r.Query.Contains("uploads", StringComparison.Ordinal));
        Assert.Contains(requests.Seen, r => r.Method == "PUT" && r.Path == path && r.Query.Contains("partNumber=1", StringComparison.Ordinal));
        Assert.Contains(requests.Seen, r => r.Method == "DELETE" && r.Path == path && r.Query.Contains("uploadId=", StringComparison.Ordinal));
        Assert.DoesNotContain(requests.Seen, r => r.Method == "POST" && r.Query.Contains("uploadId=", StringComparison.Ordinal));

        // s3rver does not implement AbortMultipartUpload (405): the failure is a warning naming the key, and no secret.
        var warning = Assert.Single(logger.Entries, e => e.EventId == 1);
        Assert.Contains("abandoned", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(S3Server.SecretKey, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_ForeignKeysUnderThePrefix_LeftOut()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("ours", new MemoryStream(new byte[] { 1 }));
        await bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = bucket.StoreKey("their~file"), ContentBody = "x", UseChunkEncoding = false });

        Assert.Equal(["ours"], await KeysAsync(bucket, ""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("tilde~")]
    public async Task InvalidKey_RefusedBeforeAnyRequest(string key)
    {
        var bucket = NewBucket(endpoint: "http://127.0.0.1:9");

        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.HeadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.DeleteAsync(key));
    }

    [Fact]
    public async Task BeginPutAsync_MetadataS3CannotStore_RefusedWithReason()
    {
        var bucket = NewBucket();

        var name = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = new Dictionary<string, string> { ["with space"] = "v" } }));
        var value = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = new Dictionary<string, string> { ["n"] = "caf\u00e9" } }));
        var clash = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = new Dictionary<string, string> { ["A"] = "1", ["a"] = "2" } }));

        Assert.Contains("'with space'", name.Message, StringComparison.Ordinal);
        Assert.Contains("US-ASCII", value.Message, StringComparison.Ordinal);
        Assert.Contains("case", clash.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreUnreachable_IOExceptionNamingBucketAndOperation_NoSecret()
    {
        var bucket = NewBucket(endpoint: "http://127.0.0.1:9");

        var head = await Assert.ThrowsAsync<IOException>(async () => await bucket.HeadAsync("k"));
        var put = await Assert.ThrowsAsync<IOException>(async () => await bucket.PutAsync("k", new MemoryStream(new byte[] { 1 })));
        var list = await Assert.ThrowsAsync<IOException>(async () => await KeysAsync(bucket, ""));

        Assert.StartsWith("S3 bucket 'test' (edge-tests): HEAD 'k' failed", head.Message, StringComparison.Ordinal);
        Assert.StartsWith("S3 bucket 'test' (edge-tests): PUT 'k' failed", put.Message, StringComparison.Ordinal);
        Assert.StartsWith("S3 bucket 'test' (edge-tests): LIST '' failed", list.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(S3Server.SecretKey, head.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAccessKey_IOExceptionWithS3ErrorCode_SecretNotInMessage()
    {
        var bucket = NewBucket(accessKey: "NOT-A-KEY", secretKey: "not-the-secret-4f1c");

        var error = await Assert.ThrowsAsync<IOException>(async () => await bucket.PutAsync("k", new MemoryStream(new byte[] { 1 })));

        Assert.Contains("403 InvalidAccessKeyId", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret-4f1c", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingS3Bucket_IOExceptionSaysNoSuchBucket()
    {
        var bucket = NewBucket(s3Bucket: "no-such-bucket");

        var error = await Assert.ThrowsAsync<IOException>(async () => await bucket.PutAsync("k", new MemoryStream(new byte[] { 1 })));

        Assert.Contains("NoSuchBucket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EachProblemNamesItsKey()
    {
        var problems = ObjectBuckets.Validate("cache", new BucketOptions
        {
            Type = "s3",
            Endpoint = "ftp://user:pw@store/path",
            AccessKey = "id",
            Prefix = "a//b",
            PartSize = 1024,
            Timeout = TimeSpan.Zero,
        }).ToList();

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:BucketName is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:Endpoint 'ftp://***@store/path' is not", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("pw", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:AccessKey and Edge:Buckets:cache:SecretKey go together", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:Prefix 'a//b'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:PartSize 1024 is below", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:Timeout must be positive", StringComparison.Ordinal));
        Assert.Empty(ObjectBuckets.Validate("cache", new BucketOptions { Type = "s3", BucketName = "b", Endpoint = "http://127.0.0.1:9000", Prefix = "edge/cache/" }));
    }

    private S3ObjectBucket NewBucket(
        string? endpoint = null,
        string? accessKey = null,
        string? secretKey = null,
        string s3Bucket = S3ServerFixture.Bucket,
        int listPageSize = 1000,
        Amazon.Runtime.HttpClientFactory? httpClientFactory = null,
        ListLogger? logger = null)
    {
        var options = new BucketOptions
        {
            Type = "s3",
            Endpoint = endpoint ?? fixture.Server.Endpoint,
            BucketName = s3Bucket,
            Prefix = prefix,
            AccessKey = accessKey ?? S3Server.AccessKey,
            SecretKey = secretKey ?? S3Server.SecretKey,
            PartSize = BucketOptions.MinPartSize,
            Timeout = TimeSpan.FromSeconds(10),
        };
        var bucket = new S3ObjectBucket("test", options, S3Client.Create(options, httpClientFactory), TimeProvider.System, logger) { ListPageSize = listPageSize };
        buckets.Add(bucket);
        return bucket;
    }

    /// <summary>Gives the SDK HTTP clients that record each request's method, path and query.</summary>
    private sealed class RecordingHttpClientFactory : Amazon.Runtime.HttpClientFactory
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Method, string Path, string Query)> Seen { get; } = new();

        public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig) => new(new Recorder(this));

        private sealed class Recorder(RecordingHttpClientFactory owner) : DelegatingHandler(new SocketsHttpHandler())
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                owner.Seen.Enqueue((request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query));
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
