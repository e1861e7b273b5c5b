using System.Diagnostics;
using System.Security.Cryptography;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Edge.Bindings.Azure;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Xunit.Abstractions;

namespace Edge.Bindings.Tests;

/// <summary>
/// The Azure bucket against a real Azure Blob storage emulator (Azurite): the whole contract (see
/// <see cref="ObjectBucketContractTests"/>; each test in a container of its own), and what is Azure's own: staged
/// blocks committed as one block list, its metadata rules, prefixes and Azure's limit on names.
/// </summary>
public sealed class AzureObjectBucketTests(AzuriteFixture fixture, ITestOutputHelper output) : ObjectBucketContractTests, IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int OneMiB = 1024 * 1024;

    private readonly string container = "t-" + Guid.NewGuid().ToString("N");

    protected override bool ListsDescriptions => true;

    protected override bool ReadsUploadsInProgress => false;

    private AzuriteServer Azurite => fixture.Server;

    private BlobContainerClient Store => Azurite.Client.GetBlobContainerClient(container);

    public Task InitializeAsync() => Azurite.CreateContainerAsync(container);

    public Task DisposeAsync() => Store.DeleteIfExistsAsync();

    protected override IObjectBucket OpenBucket(int? listPageSize = null) => NewBucket(listPageSize: listPageSize ?? 5000);

    protected override void AssertCommitTime(DateTimeOffset value) =>
        Assert.InRange(value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

    [Fact]
    public Task PutAsync_KeyAndKeyAsFolder_BothExistInOrdinalOrder() => AssertKeyAndKeyAsFolderCoexistInOrdinalOrderAsync();

    [Fact]
    public Task CommitAsync_ManyConcurrentUploadsOfOneKey_AllSucceedAndOneWholeObjectRemains() => AssertManyConcurrentUploadsOfOneKeyLeaveOneWholeObjectAsync();

    [Fact]
    public async Task Upload_BeforeCommit_BlocksStagedButNothingVisible()
    {
        var bucket = NewBucket(blockSize: OneMiB);
        var data = StreamHelpers.Pattern((3 * OneMiB) + (OneMiB / 2));
        var blob = Store.GetBlockBlobClient("blobs/staged");

        await using var upload = await bucket.BeginPutAsync("blobs/staged", new ObjectPutOptions { ContentType = "application/octet-stream" });
        await new MemoryStream(data).CopyToAsync(upload.Content, 64 * 1024);

        // Three full blocks went out (two acknowledged, the third may still be in flight); half a block waits for the commit.
        Assert.Equal(3, ((AzureObjectUpload)upload).PartsStarted);
        Assert.Equal(2, ((AzureObjectUpload)upload).PartsSent);
        BlockList staged = await blob.GetBlockListAsync(BlockListTypes.Uncommitted);
        Assert.InRange(staged.UncommittedBlocks.Count(), ((AzureObjectUpload)upload).PartsSent, 3);
        Assert.Null(await bucket.HeadAsync("blobs/staged"));
        Assert.Null(await bucket.GetAsync("blobs/staged"));
        Assert.Empty(await KeysAsync(bucket, string.Empty));

        var info = await upload.CommitAsync();

        BlockList committed = await blob.GetBlockListAsync(BlockListTypes.Committed);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(4, ((AzureObjectUpload)upload).PartsSent);
        Assert.Equal(new long[] { OneMiB, OneMiB, OneMiB, OneMiB / 2 }, committed.CommittedBlocks.Select(b => b.SizeLong));
        Assert.Equal(((AzureObjectUpload)upload).BlockIds, committed.CommittedBlocks.Select(b => b.Name));
        await using var body = await bucket.GetAsync("blobs/staged");
        Assert.NotNull(body);
        Assert.Equal("application/octet-stream", body.Info.ContentType);
        Assert.Equal(SHA256.HashData(data), await SHA256.HashDataAsync(body.Content));
    }

    [Fact]
    public async Task Upload_AbandonedAfterBlocksWereStaged_PreviousObjectStaysAndNextUploadCommitsOnlyItsOwnBlocks()
    {
        var logger = new ListLogger();
        var bucket = NewBucket(blockSize: OneMiB, logger: logger);
        await bucket.PutAsync("k", new MemoryStream(StreamHelpers.Pattern(1000, 1)), new ObjectPutOptions { ContentType = "old/one" });
        var blob = Store.GetBlockBlobClient("k");

        await using (var abandoned = await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "abandoned/one" }))
        {
            await abandoned.Content.WriteAsync(StreamHelpers.Pattern((2 * OneMiB) + 100, 2));
            Assert.Equal(2, ((AzureObjectUpload)abandoned).PartsStarted);
        }

        // The staged blocks never became part of the blob; Azure keeps them out of sight until it discards them.
        BlockList left = await blob.GetBlockListAsync(BlockListTypes.Uncommitted);
        Assert.Equal(2, left.UncommittedBlocks.Count());
        var old = await bucket.HeadAsync("k");
        Assert.NotNull(old);
        Assert.Equal((1000L, "old/one"), (old.Size, old.ContentType));
        Assert.Equal(["k"], await KeysAsync(bucket, string.Empty));
        var debug = Assert.Single(logger.Entries, e => e.EventId == 1);
        Assert.Contains("after 2 staged blocks", debug.Message, StringComparison.Ordinal);

        var next = StreamHelpers.Pattern((2 * OneMiB) + 5, 3);
        await bucket.PutAsync("k", new MemoryStream(next), new ObjectPutOptions { ContentType = "next/one" });

        await using var body = await bucket.GetAsync("k");
        Assert.NotNull(body);
        Assert.Equal("next/one", body.Info.ContentType);
        Assert.Equal(SHA256.HashData(next), await SHA256.HashDataAsync(body.Content));
        BlockList committed = await blob.GetBlockListAsync(BlockListTypes.Committed);
        Assert.Equal(3, committed.CommittedBlocks.Count());
    }

    [Fact]
    public async Task PutAsync_LargeObjectInManyBlocks_Sha256Equal()
    {
        const int blockSize = 4 * OneMiB;
        const long size = (12L * blockSize) + 12_345;
        var bucket = NewBucket(blockSize: blockSize);
        var expected = SHA256.HashData(new PatternStream(size));
        var clock = Stopwatch.StartNew();

        await using (var upload = await bucket.BeginPutAsync("blobs/large"))
        {
            await new PatternStream(size).CopyToAsync(upload.Content, (64 * 1024) + 7);
            var info = await upload.CommitAsync();
            Assert.Equal(size, info.Size);
            Assert.Equal(13, ((AzureObjectUpload)upload).PartsSent);
        }

        var written = clock.Elapsed;
        BlockList committed = await Store.GetBlockBlobClient("blobs/large").GetBlockListAsync(BlockListTypes.Committed);
        Assert.Equal(13, committed.CommittedBlocks.Count());
        Assert.All(committed.CommittedBlocks.SkipLast(1), b => Assert.Equal(blockSize, b.SizeLong));
        clock.Restart();
        await using var body = await bucket.GetAsync("blobs/large");
        Assert.NotNull(body);
        Assert.Equal(size, body.Length);
        Assert.Equal(expected, await SHA256.HashDataAsync(body.Content));
        output.WriteLine($"{size} bytes in {committed.CommittedBlocks.Count()} blocks of {blockSize}: written and committed in {written.TotalSeconds:F2} s, read back and hashed in {clock.Elapsed.TotalSeconds:F2} s.");
    }

    [Fact]
    public async Task Upload_SynchronousWritesAcrossBlocks_SameBytes()
    {
        var bucket = NewBucket(blockSize: OneMiB);
        var data = StreamHelpers.Pattern((2 * OneMiB) + 10);

        await using (var upload = await bucket.BeginPutAsync("sync"))
        {
            for (var offset = 0; offset < data.Length; offset += 256 * 1024)
            {
                upload.Content.Write(data, offset, Math.Min(256 * 1024, data.Length - offset));
            }

            await upload.CommitAsync();
            Assert.Equal(3, ((AzureObjectUpload)upload).PartsSent);
        }

        await using var body = await bucket.GetAsync("sync");
        Assert.NotNull(body);
        Assert.Equal(SHA256.HashData(data), await SHA256.HashDataAsync(body.Content));
    }

    [Fact]
    public async Task PutAsync_ExactlyOneBlock_OnePutBlobAndNoBlocks()
    {
        var recorder = new RequestRecorder();
        var bucket = NewBucket(blockSize: OneMiB, recorder: recorder);
        var data = StreamHelpers.Pattern(OneMiB);

        await using (var upload = await bucket.BeginPutAsync("one-block"))
        {
            await upload.Content.WriteAsync(data);
            await upload.CommitAsync();
            Assert.Equal(0, ((AzureObjectUpload)upload).PartsSent);
        }

        var put = Assert.Single(recorder.Seen, r => r.Method == "PUT");
        Assert.EndsWith($"/{container}/one-block", put.Path, StringComparison.Ordinal);
        Assert.DoesNotContain("comp=", put.Query, StringComparison.Ordinal);
        await using var body = await bucket.GetAsync("one-block");
        Assert.NotNull(body);
        Assert.Equal(data, await StreamHelpers.ReadAllAsync(body.Content));
    }

    [Fact]
    public async Task PutAsync_MetadataNameCase_KeptAndLookedUpIgnoringCase()
    {
        var bucket = NewBucket();

        await bucket.PutAsync("k", new MemoryStream([1]), new ObjectPutOptions { Metadata = new Dictionary<string, string> { ["Origin"] = "docker", ["_x9"] = "" } });
        var listed = Assert.Single(await ListAsync(bucket, string.Empty));
        var head = await bucket.HeadAsync("k");

        Assert.NotNull(head);
        foreach (var info in new[] { head, listed })
        {
            Assert.Equal(["Origin", "_x9"], info.Metadata.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("docker", info.Metadata["origin"]);
            Assert.Equal(string.Empty, info.Metadata["_X9"]);
        }
    }

    [Fact]
    public async Task PutAsync_NoContentType_AzuresDefaultComesBack()
    {
        var bucket = NewBucket();

        await bucket.PutAsync("k", new MemoryStream([1]));

        Assert.Equal("application/octet-stream", (await bucket.HeadAsync("k"))?.ContentType);
    }

    [Theory]
    [InlineData("digest-alg", "v", "'digest-alg' is not stored by Azure; names are C# identifiers")]
    [InlineData("9lives", "v", "'9lives' is not stored by Azure")]
    [InlineData("with space", "v", "'with space' is not stored by Azure")]
    [InlineData("", "v", "'' is not stored by Azure")]
    [InlineData("n", "caf\u00e9", "values are printable US-ASCII without leading or trailing spaces")]
    [InlineData("n", " padded", "values are printable US-ASCII without leading or trailing spaces")]
    [InlineData("n", "tab\there", "values are printable US-ASCII")]
    public async Task BeginPutAsync_MetadataAzureCannotStore_RefusedWithReasonBeforeAnyRequest(string name, string value, string reason)
    {
        var recorder = new RequestRecorder();
        var bucket = NewBucket(recorder: recorder);

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = new Dictionary<string, string> { [name] = value } }));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Empty(recorder.Seen);
    }

    [Fact]
    public async Task BeginPutAsync_NamesDifferingInCaseOrTooMuchMetadataOrBadContentType_RefusedWithReason()
    {
        var bucket = NewBucket();

        var clash = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = new Dictionary<string, string> { ["A"] = "1", ["a"] = "2" } }));
        var big = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { Metadata = new Dictionary<string, string> { ["a"] = new string('x', 5000), ["b"] = new string('y', 5000) } }));
        var type = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync("k", new ObjectPutOptions { ContentType = "text/plain; charset=\u00e9" }));

        Assert.Contains("differ only in case", clash.Message, StringComparison.Ordinal);
        Assert.Contains("takes 10002 bytes; Azure stores at most 8192", big.Message, StringComparison.Ordinal);
        Assert.Contains("content type", type.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prefix_ObjectsLiveUnderItAndListWithoutIt_ForeignBlobsLeftOut()
    {
        var bucket = NewBucket(prefix: "edge/cache/");
        await bucket.PutAsync("blobs/a", new MemoryStream([1, 2]));
        await Store.GetBlockBlobClient("edge/cache/their~file").UploadAsync(new MemoryStream([3]));
        await Store.GetBlockBlobClient("elsewhere/blobs/b").UploadAsync(new MemoryStream([4]));

        var names = new List<string>();
        await foreach (var item in Store.GetBlobsAsync(new GetBlobsOptions()))
        {
            names.Add(item.Name);
        }

        Assert.Equal(["edge/cache/blobs/a", "edge/cache/their~file", "elsewhere/blobs/b"], names);
        Assert.Equal(["blobs/a"], await KeysAsync(bucket, string.Empty));
        Assert.Equal(["blobs/a"], await KeysAsync(bucket, "blobs/"));
        Assert.Equal(2, (await bucket.HeadAsync("blobs/a"))?.Size);
        Assert.True(await bucket.DeleteAsync("blobs/a"));
        Assert.False(await Store.GetBlobClient("edge/cache/blobs/a").ExistsAsync());
    }

    [Fact]
    public async Task AnyOperation_BlobNameBeyondAzuresLimitWithThePrefix_RefusedBeforeAnyRequest()
    {
        var recorder = new RequestRecorder();
        var bucket = NewBucket(prefix: "edge", recorder: recorder);
        var key = new string('k', 1020);

        var put = await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.HeadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.DeleteAsync(key));

        Assert.Contains("the blob name would be 1025, and Azure allows 1024", put.Message, StringComparison.Ordinal);
        Assert.Empty(recorder.Seen);
        await bucket.PutAsync(new string('k', 1019), new MemoryStream([1]));
    }

    [Fact]
    public async Task InvalidKey_RefusedBeforeAnyRequest()
    {
        var recorder = new RequestRecorder();
        var bucket = NewBucket(recorder: recorder);

        foreach (var key in new[] { string.Empty, "/abs", "a//b", "a/../b", "tilde~" })
        {
            await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.HeadAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.GetAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.BeginPutAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await bucket.DeleteAsync(key));
        }

        Assert.Empty(recorder.Seen);
    }

    private static async Task<List<ObjectInfo>> ListAsync(AzureObjectBucket bucket, string prefix)
    {
        var entries = new List<ObjectInfo>();
        await foreach (var info in bucket.ListAsync(prefix))
        {
            entries.Add(info);
        }

        return entries;
    }

    private AzureObjectBucket NewBucket(int blockSize = OneMiB, string? prefix = null, int listPageSize = 5000, RequestRecorder? recorder = null, ListLogger? logger = null)
    {
        var options = new BucketOptions
        {
            Type = "azure",
            Endpoint = Azurite.Endpoint,
            AccountName = AzuriteServer.AccountName,
            AccountKey = AzuriteServer.AccountKey,
            Container = container,
            Prefix = prefix,
            BlockSize = blockSize,
            Timeout = TimeSpan.FromSeconds(30),
        };
        Assert.Empty(ObjectBuckets.Validate("test", options));
        var transport = recorder is null ? null : new HttpClientTransport(new HttpClient(recorder));
        return new AzureObjectBucket("test", options, AzureClient.Create(options, transport), logger) { ListPageSize = listPageSize };
    }
}
