using System.Security.Cryptography;
using Amazon.S3.Model;
using Edge.Functions;
using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary>The S3 bucket against a real S3-compatible server (s3rver).</summary>
public sealed class S3ObjectBucketTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly List<S3ObjectBucket> buckets = [];

    public void Dispose()
    {
        foreach (var bucket in buckets)
        {
            bucket.Dispose();
        }
    }

    [Fact]
    public async Task PutAsync_ThenGetAndHead_SameBytesContentTypeAndMetadata()
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
    public async Task PutAsync_EmptyObject_RoundTripsAndAnyRangeIsNotSatisfiable()
    {
        var bucket = NewBucket();

        await bucket.PutAsync("empty", new MemoryStream());
        await using var body = await bucket.GetAsync("empty");

        Assert.NotNull(body);
        Assert.Equal(0, body.Length);
        Assert.Empty(await StreamHelpers.ReadAllAsync(body.Content));
        var error = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("empty", new Edge.Functions.ByteRange(0)));
        Assert.Equal(0, error.Size);
    }

    [Theory]
    [InlineData(10, 20L, 10, 20)]
    [InlineData(99_990, null, 99_990, 10)]
    [InlineData(99_000, 5_000L, 99_000, 1_000)]
    [InlineData(0, 1L, 0, 1)]
    public async Task GetAsync_Range_ReturnsThoseBytes(long offset, long? length, long expectedOffset, long expectedLength)
    {
        var bucket = NewBucket();
        var data = StreamHelpers.Pattern(100_000);
        await bucket.PutAsync("ranged", new MemoryStream(data));

        await using var body = await bucket.GetAsync("ranged", new Edge.Functions.ByteRange(offset, length));

        Assert.NotNull(body);
        Assert.Equal((expectedOffset, expectedLength, 100_000L), (body.Offset, body.Length, body.Info.Size));
        Assert.Equal(data.AsSpan((int)expectedOffset, (int)expectedLength).ToArray(), await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task GetAsync_RangeAtOrPastEnd_NotSatisfiableWithSize_MissingObjectNull()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("short", new MemoryStream(StreamHelpers.Pattern(100)));

        var atEnd = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("short", new Edge.Functions.ByteRange(100)));
        var past = await Assert.ThrowsAsync<RangeNotSatisfiableException>(async () => await bucket.GetAsync("short", new Edge.Functions.ByteRange(5000, 10)));

        Assert.Equal(100, atEnd.Size);
        Assert.Equal(100, past.Size);
        Assert.Null(await bucket.GetAsync("missing", new Edge.Functions.ByteRange(0, 10)));
        Assert.Null(await bucket.GetAsync("missing"));
        Assert.Null(await bucket.HeadAsync("missing"));
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
        Assert.Empty(await ListKeysAsync(bucket, ""));
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
    public async Task BeginPutAsync_AbandonedSmall_NothingVisible()
    {
        var bucket = NewBucket();
        await using (var upload = await bucket.BeginPutAsync("small"))
        {
            await upload.Content.WriteAsync(StreamHelpers.Pattern(1000));
        }

        Assert.Null(await bucket.HeadAsync("small"));
    }

    [Fact]
    public async Task Upload_AfterCommit_WritesAndSecondCommitRefusedWithReason()
    {
        var bucket = NewBucket();
        await using var upload = await bucket.BeginPutAsync("once");
        await upload.Content.WriteAsync(new byte[] { 1 });
        await upload.CommitAsync();

        var write = await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.Content.WriteAsync(new byte[] { 2 }));
        var commit = await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());

        Assert.Contains("committed", write.Message, StringComparison.Ordinal);
        Assert.Contains("already committed", commit.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => upload.Content.Write(new byte[] { 3 }, 0, 1));
        Assert.Null(upload.OpenConcurrentReader());
    }

    [Fact]
    public async Task PutAsync_ExistingKey_Replaces()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("k", new MemoryStream(StreamHelpers.Pattern(10, seed: 1)));
        await bucket.PutAsync("k", new MemoryStream(StreamHelpers.Pattern(20, seed: 2)));

        await using var body = await bucket.GetAsync("k");

        Assert.NotNull(body);
        Assert.Equal(StreamHelpers.Pattern(20, seed: 2), await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task DeleteAsync_SaysWhetherItExisted()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("gone", new MemoryStream(new byte[] { 1 }));

        Assert.True(await bucket.DeleteAsync("gone"));
        Assert.False(await bucket.DeleteAsync("gone"));
        Assert.Null(await bucket.GetAsync("gone"));
    }

    [Fact]
    public async Task ListAsync_OrdinalOrderWithinPrefixAcrossPages_SizesAndTimes()
    {
        var bucket = NewBucket(listPageSize: 2);
        // (s3rver keeps objects as files named KEY._S3rver_object, so unlike S3 it cannot hold both "a" and "a/x",
        // and it lists "a-x" before "a"; these keys avoid both.)
        string[] keys = ["blobs/sha256/b", "blobs/sha256/ab", "blobs/sha256/a", "blobs/sha256/C", "blobs/sha512/a", "manifests/a"];
        foreach (var key in keys)
        {
            await bucket.PutAsync(key, new MemoryStream(StreamHelpers.Pattern(key.Length)));
        }

        var listed = new List<ObjectInfo>();
        await foreach (var info in bucket.ListAsync("blobs/sha256/"))
        {
            listed.Add(info);
        }

        Assert.Equal(["blobs/sha256/C", "blobs/sha256/a", "blobs/sha256/ab", "blobs/sha256/b"], listed.Select(i => i.Key));
        Assert.All(listed, i => Assert.Equal(i.Key.Length, i.Size));
        Assert.All(listed, i => Assert.InRange(i.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.Equal(keys.Order(StringComparer.Ordinal), await ListKeysAsync(bucket, ""));
    }

    [Fact]
    public async Task ListAsync_ForeignKeysUnderThePrefix_LeftOut()
    {
        var bucket = NewBucket();
        await bucket.PutAsync("ours", new MemoryStream(new byte[] { 1 }));
        await bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = bucket.StoreKey("their~file"), ContentBody = "x", UseChunkEncoding = false });

        Assert.Equal(["ours"], await ListKeysAsync(bucket, ""));
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
        var list = await Assert.ThrowsAsync<IOException>(async () => await ListKeysAsync(bucket, ""));

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
        var problems = S3Client.Validate("cache", new BucketOptions
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
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:Endpoint 'ftp://user:pw@store/path' is not", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:AccessKey and Edge:Buckets:cache:SecretKey go together", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:Prefix 'a//b'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:PartSize 1024 is below", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Buckets:cache:Timeout must be positive", StringComparison.Ordinal));
        Assert.Empty(S3Client.Validate("cache", new BucketOptions { Type = "s3", BucketName = "b", Endpoint = "http://127.0.0.1:9000", Prefix = "edge/cache/" }));
    }

    private static async Task<List<string>> ListKeysAsync(S3ObjectBucket bucket, string prefix)
    {
        var keys = new List<string>();
        await foreach (var info in bucket.ListAsync(prefix))
        {
            keys.Add(info.Key);
        }

        return keys;
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
            Prefix = "t-" + Guid.NewGuid().ToString("N"),
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

    /// <summary>A read-only stream of <see cref="StreamHelpers.Pattern"/>-like bytes, generated as read (no big array).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)(((position + i) * 31) ^ ((position + i) >> 13));
            }

            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
