using System.IO.Pipelines;
using System.Security.Cryptography;
using Edge.Functions;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.RegistryProxy.Tests.Content;

public sealed class BlobDownloadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edge-blobdownload-" + Guid.NewGuid().ToString("N"));

    public BlobDownloadTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (byte[] Bytes, Digest Digest) Blob(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return (bytes, new Digest("sha256", Convert.ToHexStringLower(SHA256.HashData(bytes))));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pump_GoodBlob_PrimaryAndJoinerGetEveryByteAndUploadCommits(bool concurrentReads)
    {
        var (bytes, digest) = Blob(3 * 1024 * 1024 + 17, 1);
        var upload = new FileUpload(Path.Combine(_dir, "upload"), concurrentReads);
        var download = new BlobDownload(digest, bytes.Length, upload, _dir, NullLogger.Instance);
        var primary = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var primaryDone = download.ServePrimaryAsync(primary.Writer, CancellationToken.None);
        var joiner = download.OpenReader()!;
        var body = new ThrottledStream(bytes, 64 * 1024);

        var pump = download.PumpAsync(body, CancellationToken.None);
        var primaryBytes = ReadAllAsync(primary.Reader, primaryDone, primary.Writer);
        using var joined = new MemoryStream();
        await joiner.CopyToAsync(joined);
        await pump;

        Assert.Equal(bytes, await primaryBytes);
        Assert.Equal(bytes, joined.ToArray());
        await download.Completion;
        Assert.True(upload.Committed);
        Assert.Null(download.OpenReader());
    }

    [Fact]
    public async Task Pump_CorruptBlob_NobodyGetsTheLastByteAndNothingCommits()
    {
        var (bytes, digest) = Blob(1024 * 1024, 2);
        bytes[^1] ^= 0xFF; // same length, wrong content
        var upload = new FileUpload(Path.Combine(_dir, "upload"), concurrentReads: true);
        var download = new BlobDownload(digest, bytes.Length, upload, _dir, NullLogger.Instance);
        var primary = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var primaryDone = download.ServePrimaryAsync(primary.Writer, CancellationToken.None);
        var joiner = download.OpenReader()!;

        await download.PumpAsync(new ThrottledStream(bytes, 100_000), CancellationToken.None);

        await Assert.ThrowsAsync<BlobDownloadException>(() => primaryDone);
        primary.Writer.Complete();
        var delivered = await ReadAvailableAsync(primary.Reader);
        Assert.True(delivered < bytes.Length, $"the primary got {delivered} of {bytes.Length} bytes");
        using var joined = new MemoryStream();
        await Assert.ThrowsAsync<BlobDownloadException>(() => joiner.CopyToAsync(joined));
        Assert.True(joined.Length < bytes.Length);
        await Assert.ThrowsAsync<BlobDownloadException>(() => download.Completion);
        Assert.False(upload.Committed);
        Assert.True(upload.Disposed);
    }

    [Fact]
    public async Task Pump_TruncatedBody_FailsAndDoesNotCommit()
    {
        var (bytes, digest) = Blob(500_000, 3);
        var upload = new FileUpload(Path.Combine(_dir, "upload"), concurrentReads: true);
        var download = new BlobDownload(digest, bytes.Length, upload, _dir, NullLogger.Instance);
        download.DeclinePrimary();

        await download.PumpAsync(new ThrottledStream(bytes[..400_000], 50_000), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<BlobDownloadException>(() => download.Completion);
        Assert.Contains("400000 of 500000", ex.Message, StringComparison.Ordinal);
        Assert.False(upload.Committed);
    }

    [Fact]
    public async Task Pump_PrimaryClientLeaves_DownloadStillCompletesForJoiner()
    {
        var (bytes, digest) = Blob(2 * 1024 * 1024, 4);
        var upload = new FileUpload(Path.Combine(_dir, "upload"), concurrentReads: true);
        var download = new BlobDownload(digest, bytes.Length, upload, _dir, NullLogger.Instance);
        var primary = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        primary.Reader.Complete(); // the client is gone before the first byte
        var primaryDone = download.ServePrimaryAsync(primary.Writer, CancellationToken.None);
        var joiner = download.OpenReader()!;

        var pump = download.PumpAsync(new ThrottledStream(bytes, 128 * 1024), CancellationToken.None);
        using var joined = new MemoryStream();
        await joiner.CopyToAsync(joined);
        await pump;

        await primaryDone;
        Assert.Equal(bytes, joined.ToArray());
        await download.Completion;
        Assert.True(upload.Committed);
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader, Task done, PipeWriter writer)
    {
        _ = done.ContinueWith(_ => writer.Complete(), TaskScheduler.Default);
        using var all = new MemoryStream();
        await reader.CopyToAsync(all);
        return all.ToArray();
    }

    private static async Task<long> ReadAvailableAsync(PipeReader reader)
    {
        using var all = new MemoryStream();
        await reader.CopyToAsync(all);
        return all.Length;
    }

    /// <summary>Hands out a body in small reads, as a network stream does.</summary>
    private sealed class ThrottledStream(byte[] bytes, int maxRead) : MemoryStream(bytes, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, maxRead)], cancellationToken);
        }
    }

    /// <summary>An upload to a local file, with or without concurrent reads (like a disk or an S3 bucket).</summary>
    private sealed class FileUpload(string path, bool concurrentReads) : IObjectUpload
    {
        private readonly FileStream _file = new(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

        public bool Committed { get; private set; }

        public bool Disposed { get; private set; }

        public string Key => "blobs/test";

        public Stream Content => _file;

        public ValueTask<ObjectInfo> CommitAsync(CancellationToken cancellationToken = default)
        {
            Committed = true;
            return ValueTask.FromResult(new ObjectInfo(Key, _file.Length, null, DateTimeOffset.UnixEpoch, new Dictionary<string, string>()));
        }

        public Stream? OpenConcurrentReader() => concurrentReads
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0)
            : null;

        public async ValueTask DisposeAsync()
        {
            Disposed = true;
            await _file.DisposeAsync();
        }
    }
}
