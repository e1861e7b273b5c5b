using System.Text;
using Edge.Bindings.Tests.TestSupport;
using Edge.Functions;

namespace Edge.Bindings.Tests;

/// <summary>The contract's listings: ordinal key order, every key under a prefix (folders are only prefixes), committed objects only.</summary>
public abstract partial class ObjectBucketContractTests
{
    [Fact]
    public async Task ListAsync_Everything_ReturnsOrdinalOrder()
    {
        var bucket = OpenBucket();
        // '/' < '0' < 'A' < '_' < 'a' in ordinal order. AssertKeyAndKeyAsFolderCoexistInOrdinalOrderAsync adds keys that
        // are another's folder, and '-' and '.', which sort before '/'.
        string[] keys = ["b", "a/b", "a0", "A", "B9", "a/c/d", "a/a", "a1/x", "z/y/x", "_u"];
        foreach (var key in keys)
        {
            await bucket.PutAsync(key, new MemoryStream(Encoding.ASCII.GetBytes(key)));
        }

        var listed = await KeysAsync(bucket, string.Empty);

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyMatchingKeysWithInfo()
    {
        var bucket = OpenBucket();
        foreach (var key in new[] { "blobs/sha256/aa1", "blobs/sha256/ab2", "blobs/sha256/b", "blobs/sha2", "manifests/x", "blobsx" })
        {
            await bucket.PutAsync(key, new MemoryStream([1, 2, 3]), new ObjectPutOptions { ContentType = "t/" + key.Length, Metadata = new Dictionary<string, string> { ["n"] = key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        }

        Assert.Equal(["blobs/sha256/aa1", "blobs/sha256/ab2"], await KeysAsync(bucket, "blobs/sha256/a"));
        Assert.Equal(["blobs/sha2", "blobs/sha256/aa1", "blobs/sha256/ab2", "blobs/sha256/b"], await KeysAsync(bucket, "blobs/sha2"));
        Assert.Equal(["blobs/sha2", "blobs/sha256/aa1", "blobs/sha256/ab2", "blobs/sha256/b"], await KeysAsync(bucket, "blobs/"));
        Assert.Empty(await KeysAsync(bucket, "nothing/"));
        Assert.Empty(await KeysAsync(bucket, "../"));
        Assert.Empty(await KeysAsync(bucket, "/blobs"));

        var manifests = new List<ObjectInfo>();
        await foreach (var info in bucket.ListAsync("manifests/"))
        {
            manifests.Add(info);
        }

        var manifest = Assert.Single(manifests);
        Assert.Equal(3, manifest.Size);
        AssertCommitTime(manifest.LastModified);
        if (ListsDescriptions)
        {
            Assert.Equal("t/11", manifest.ContentType);
            Assert.Equal("11", manifest.Metadata["n"]);
        }
        else
        {
            // The contract: a store that cannot list them leaves them out rather than guessing.
            Assert.Null(manifest.ContentType);
            Assert.Empty(manifest.Metadata);
        }
    }

    [Fact]
    public async Task ListAsync_SmallPages_EveryKeyOnceInOrdinalOrderWithSizes()
    {
        var bucket = OpenBucket(listPageSize: 2);
        string[] keys = ["blobs/sha256/b", "blobs/sha256/ab", "blobs/sha256/a", "blobs/sha256/C", "blobs/sha512/a", "manifests/a", "manifests/b"];
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
        Assert.All(listed, i => AssertCommitTime(i.LastModified));
        Assert.Equal(keys.Order(StringComparer.Ordinal), await KeysAsync(bucket, string.Empty));
    }

    [Fact]
    public async Task ListAsync_IgnoresUploadsInProgressAndDeletedObjects()
    {
        var bucket = OpenBucket();
        await bucket.PutAsync("kept", new MemoryStream([1]));
        await bucket.PutAsync("gone", new MemoryStream([1]));
        await bucket.DeleteAsync("gone");
        await using var upload = await bucket.BeginPutAsync("pending");
        await upload.Content.WriteAsync(new byte[] { 1, 2 });

        Assert.Equal(["kept"], await KeysAsync(bucket, string.Empty));
    }
}
