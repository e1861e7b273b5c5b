using Azure.Storage.Sas;
using Edge.Bindings.Azure;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Bindings.Tests;

/// <summary>
/// The Azure bucket's credentials and failures against a real Azurite: the three ways to sign in, a wrong key, a
/// missing container, and Azurite going away before, during an upload and during a read. Every failure is an
/// <see cref="IOException"/> naming the bucket, the operation and Azure's error code, never a credential.
/// </summary>
public sealed class AzureObjectBucketFailureTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int OneMiB = 1024 * 1024;
    private readonly string container = "t-" + Guid.NewGuid().ToString("N");

    private AzuriteServer Azurite => fixture.Server;

    public Task InitializeAsync() => Azurite.CreateContainerAsync(container);

    public Task DisposeAsync() => Azurite.Client.GetBlobContainerClient(container).DeleteIfExistsAsync();

    [Fact]
    public async Task Create_ConnectionString_RoundTripsThroughTheFactory()
    {
        var options = new BucketOptions { Type = "azure", ConnectionString = Azurite.ConnectionString, Container = container };
        Assert.Empty(ObjectBuckets.Validate("cache", options));

        var bucket = ObjectBuckets.Create("cache", options, "unused", new FakeTimeProvider(), NullLoggerFactory.Instance);
        await bucket.PutAsync("k", new MemoryStream([1, 2, 3]), new ObjectPutOptions { ContentType = "a/b" });

        Assert.IsType<AzureObjectBucket>(bucket);
        Assert.Equal((3L, "a/b"), ((await bucket.HeadAsync("k"))!.Size, (await bucket.HeadAsync("k"))!.ContentType));
    }

    [Fact]
    public async Task SasToken_ReadsWritesListsDeletes_ATamperedOneIsA403WithoutItsSignature()
    {
        var sas = Azurite.Client.GetBlobContainerClient(container)
            .GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.Delete | BlobContainerSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1))
            .Query;
        var bucket = NewBucket(new BucketOptions { Endpoint = Azurite.Endpoint, SasToken = sas });

        await bucket.PutAsync("k", new MemoryStream([1]));
        Assert.Equal(1, (await bucket.HeadAsync("k"))?.Size);
        Assert.Single(await KeysAsync(bucket));
        Assert.True(await bucket.DeleteAsync("k"));

        var signature = sas.Split('&').Single(p => p.StartsWith("sig=", StringComparison.Ordinal))["sig=".Length..];
        var tampered = sas.Replace("sig=" + signature, "sig=" + Uri.EscapeDataString(Convert.ToBase64String(new byte[32])), StringComparison.Ordinal);
        var forged = NewBucket(new BucketOptions { Endpoint = Azurite.Endpoint, SasToken = tampered });
        var error = await Assert.ThrowsAsync<IOException>(async () => await forged.PutAsync("k", new MemoryStream([1])));

        Assert.StartsWith($"Azure bucket 'test' ({container}): PUT 'k' failed: 403 ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(signature, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongAccountKey_IOExceptionWithAzuresErrorCode_KeyNotInMessage()
    {
        var wrongKey = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("not-the-key-of-devstoreaccount1-4f1c9e"));
        var bucket = NewBucket(new BucketOptions { Endpoint = Azurite.Endpoint, AccountName = AzuriteServer.AccountName, AccountKey = wrongKey });

        var put = await Assert.ThrowsAsync<IOException>(async () => await bucket.PutAsync("k", new MemoryStream([1])));
        var head = await Assert.ThrowsAsync<IOException>(async () => await bucket.HeadAsync("k"));
        var list = await Assert.ThrowsAsync<IOException>(async () => await KeysAsync(bucket));

        Assert.StartsWith($"Azure bucket 'test' ({container}): PUT 'k' failed: 403 AuthorizationFailure: Server failed to authenticate the request.", put.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Azure bucket 'test' ({container}): HEAD 'k' failed: 403 AuthorizationFailure", head.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Azure bucket 'test' ({container}): LIST '' failed: 403 AuthorizationFailure", list.Message, StringComparison.Ordinal);
        foreach (var error in new[] { put, head, list })
        {
            Assert.DoesNotContain(wrongKey, error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(AzuriteServer.AccountKey, error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MissingContainer_EveryOperationIOExceptionContainerNotFound_NeverAnEmptyBucket()
    {
        var bucket = NewBucket(new BucketOptions { Endpoint = Azurite.Endpoint, AccountName = AzuriteServer.AccountName, AccountKey = AzuriteServer.AccountKey, Container = "no-such-container" });

        var failures = new[]
        {
            await Assert.ThrowsAsync<IOException>(async () => await bucket.HeadAsync("k")),
            await Assert.ThrowsAsync<IOException>(async () => await bucket.GetAsync("k")),
            await Assert.ThrowsAsync<IOException>(async () => await bucket.PutAsync("k", new MemoryStream([1]))),
            await Assert.ThrowsAsync<IOException>(async () => await bucket.DeleteAsync("k")),
            await Assert.ThrowsAsync<IOException>(async () => await KeysAsync(bucket)),
        };

        Assert.Equal(["HEAD 'k'", "GET 'k'", "PUT 'k'", "DELETE 'k'", "LIST ''"], failures.Select(f => f.Message.Split(": ")[1].Replace(" failed", string.Empty, StringComparison.Ordinal)));
        Assert.All(failures, f => Assert.Contains("404 ContainerNotFound", f.Message, StringComparison.Ordinal));
        Assert.All(failures, f => Assert.StartsWith("Azure bucket 'test' (no-such-container): ", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AzuriteDown_EveryOperationIOExceptionNamingBucketAndOperation_NoSecret()
    {
        await using var azurite = await AzuriteServer.StartAsync(container);
        var bucket = NewBucket(new BucketOptions { ConnectionString = azurite.ConnectionString });
        await bucket.PutAsync("k", new MemoryStream([1]));
        await azurite.StopAsync();
        Assert.True(await PortProbe.RefusesConnectionsAsync(azurite.Port));

        var failures = new[]
        {
            await Assert.ThrowsAsync<IOException>(async () => await bucket.HeadAsync("k")),
            await Assert.ThrowsAsync<IOException>(async () => await bucket.GetAsync("k")),
            await Assert.ThrowsAsync<IOException>(async () => await bucket.PutAsync("k", new MemoryStream([1]))),
            await Assert.ThrowsAsync<IOException>(async () => await bucket.DeleteAsync("k")),
            await Assert.ThrowsAsync<IOException>(async () => await KeysAsync(bucket)),
        };

        Assert.StartsWith($"Azure bucket 'test' ({container}): HEAD 'k' failed: 3 tries, the last: Connection refused", failures[0].Message, StringComparison.Ordinal);
        Assert.StartsWith($"Azure bucket 'test' ({container}): LIST '' failed: 3 tries, the last: Connection refused", failures[4].Message, StringComparison.Ordinal);
        Assert.All(failures, f => Assert.DoesNotContain(AzuriteServer.AccountKey, f.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upload_AzuriteDiesAfterABlock_TheNextBlockFailsAndTheUploadCannotCommit()
    {
        await using var azurite = await AzuriteServer.StartAsync(container);
        var bucket = NewBucket(new BucketOptions { ConnectionString = azurite.ConnectionString, BlockSize = OneMiB });
        await using var upload = await bucket.BeginPutAsync("k");
        await upload.Content.WriteAsync(StreamHelpers.Pattern(OneMiB + 10));
        Assert.Equal(1, ((AzureObjectUpload)upload).PartsStarted);
        await azurite.StopAsync();

        // The first block's fate is learnt when the second is sent; either way a write fails with the store's failure.
        var failed = await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await upload.Content.WriteAsync(StreamHelpers.Pattern(OneMiB));
            }
        });
        var after = await Assert.ThrowsAsync<IOException>(async () => await upload.Content.WriteAsync(new byte[] { 1 }));
        var commit = await Assert.ThrowsAsync<IOException>(async () => await upload.CommitAsync());

        Assert.StartsWith($"Azure bucket 'test' ({container}): PUT (block ", failed.Message, StringComparison.Ordinal);
        Assert.Contains("An earlier write to 'k' failed", after.Message, StringComparison.Ordinal);
        Assert.Contains("An earlier write to 'k' failed", commit.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync());
    }

    [Fact]
    public async Task GetAsync_AzuriteDiesMidBody_ReadFailsWithIOExceptionNeverAShortBody()
    {
        const int size = 64 * OneMiB;
        await using var azurite = await AzuriteServer.StartAsync(container);
        var bucket = NewBucket(new BucketOptions { ConnectionString = azurite.ConnectionString, BlockSize = 8 * OneMiB });
        await bucket.PutAsync("big", new PatternStream(size));
        await using var body = await bucket.GetAsync("big");
        Assert.NotNull(body);
        var buffer = new byte[64 * 1024];
        long read = await body.Content.ReadAsync(buffer);

        await azurite.StopAsync();
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            int n;
            while ((n = await body.Content.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        });

        Assert.InRange(read, 1, size - 1);
        Assert.Contains("big", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EachProblemNamesItsKey_NoSecretQuoted()
    {
        const string key = "c2VjcmV0LWtleQ==";
        const string sas = "sv=2024-01-01&sig=c2VjcmV0";
        var problems = ObjectBuckets.Validate("cache", new BucketOptions
        {
            Type = "azure",
            Container = "Bad_Container",
            AccountKey = key,
            SasToken = sas,
            Endpoint = "https://acct.blob.core.windows.net/?sv=2024&sig=leaked-4f1c",
            Prefix = "a//b",
            BlockSize = 1024,
            Timeout = TimeSpan.Zero,
        }).ToList();

        string[] expected =
        [
            "Edge:Buckets:cache:Container 'Bad_Container' is not a container name",
            "Edge:Buckets:cache:AccountKey and Edge:Buckets:cache:SasToken are two ways to sign requests; set one.",
            "Edge:Buckets:cache:AccountKey needs Edge:Buckets:cache:AccountName",
            "Edge:Buckets:cache:Endpoint must be the Blob service URL alone, without user info, query or fragment",
            "Edge:Buckets:cache:BlockSize 1024 is outside 1048576 (1 MiB) to 1073741824 (1 GiB) bytes.",
            "Edge:Buckets:cache:Prefix 'a//b' is not a valid key prefix",
            "Edge:Buckets:cache:Timeout must be positive.",
        ];
        Assert.Equal(expected.Length, problems.Count);
        Assert.All(expected.Zip(problems), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain(key, p, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain("c2VjcmV0", p, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain("leaked-4f1c", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CredentialMistakes_EachReportedWithoutTheSecret()
    {
        const string connection = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bm90LWEta2V5;EndpointSuffix=core.windows.net";

        var noCredentials = ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", Container = "cache", AccountName = "acct" }).ToList();
        var connectionAndMore = ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", Container = "cache", ConnectionString = "not a connection string 4f1c", AccountName = "acct", Endpoint = "http://x" }).ToList();
        var badValues = ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", Container = "cache", AccountName = "Not_An-Account", AccountKey = "not base64!", Endpoint = "ftp:not-a-url-4f1c" }).ToList();
        var sasWithoutAccount = ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", Container = "cache", SasToken = "?sv=1&se=2" }).ToList();
        var missingContainer = ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", ConnectionString = "UseDevelopmentStorage=true" }).ToList();

        Assert.Equal(["Edge:Buckets:c: an azure bucket needs credentials: Edge:Buckets:c:ConnectionString, or Edge:Buckets:c:AccountName with Edge:Buckets:c:AccountKey, or Edge:Buckets:c:SasToken with Edge:Buckets:c:Endpoint or Edge:Buckets:c:AccountName."], noCredentials);
        Assert.Equal(2, connectionAndMore.Count);
        Assert.StartsWith("Edge:Buckets:c:ConnectionString names the account, its endpoint and its credential; leave Edge:Buckets:c:AccountName, Edge:Buckets:c:Endpoint unset.", connectionAndMore[0], StringComparison.Ordinal);
        Assert.StartsWith("Edge:Buckets:c:ConnectionString is not an Azure Storage connection string", connectionAndMore[1], StringComparison.Ordinal);
        Assert.Equal(3, badValues.Count);
        Assert.Contains(badValues, p => p.StartsWith("Edge:Buckets:c:AccountKey is not base64", StringComparison.Ordinal));
        Assert.Contains(badValues, p => p.StartsWith("Edge:Buckets:c:AccountName 'Not_An-Account' is not a storage account name", StringComparison.Ordinal));
        Assert.Contains(badValues, p => p.StartsWith("Edge:Buckets:c:Endpoint is not an http:// or https:// URL", StringComparison.Ordinal));
        Assert.Equal(2, sasWithoutAccount.Count);
        Assert.Contains(sasWithoutAccount, p => p.StartsWith("Edge:Buckets:c:SasToken needs Edge:Buckets:c:Endpoint or Edge:Buckets:c:AccountName", StringComparison.Ordinal));
        Assert.Contains(sasWithoutAccount, p => p.StartsWith("Edge:Buckets:c:SasToken is not a shared access signature", StringComparison.Ordinal));
        Assert.Equal(["Edge:Buckets:c:Container is required for an azure bucket: the blob container to store objects in."], missingContainer);
        Assert.All(connectionAndMore.Concat(badValues).Concat(sasWithoutAccount), p => Assert.DoesNotContain("4f1c", p, StringComparison.Ordinal));
        Assert.Empty(ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", Container = "cache", ConnectionString = connection }));
        Assert.Empty(ObjectBuckets.Validate("c", new BucketOptions { Type = "AZURE", Container = "edge-cache", AccountName = "acct", AccountKey = "bm90LWEta2V5", Prefix = "edge/cache/" }));
        Assert.Empty(ObjectBuckets.Validate("c", new BucketOptions { Type = "azure", Container = "c01", Endpoint = "http://127.0.0.1:10000/devstoreaccount1", SasToken = "?sv=1&sig=abc" }));
        Assert.Equal(["Edge:Buckets:c:Type 'tape' is not supported; supported: disk, s3, azure."], ObjectBuckets.Validate("c", new BucketOptions { Type = "tape" }));
    }

    private static async Task<List<string>> KeysAsync(AzureObjectBucket bucket)
    {
        var keys = new List<string>();
        await foreach (var info in bucket.ListAsync(string.Empty))
        {
            keys.Add(info.Key);
        }

        return keys;
    }

    private AzureObjectBucket NewBucket(BucketOptions options)
    {
        options.Type = "azure";
        options.Container ??= container;
        options.Timeout = TimeSpan.FromSeconds(30);
        return new AzureObjectBucket("test", options, AzureClient.Create(options));
    }
}
