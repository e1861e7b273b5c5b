using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Edge.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// Gigabytes through public client → `edge relay` → `edge serve` agent (<c>builtin:http-proxy</c>) → origin, with the
/// relay's and agent's resident memory sampled throughout: streams must pass through, never pile up.
/// </summary>
public sealed class TunnelLargeTransferTests(ITestOutputHelper output)
{
    private const string PublicHost = "big.tunnel.test";
    private const long DownloadBytes = 2L * 1024 * 1024 * 1024;
    private const long UploadBytes = 1L * 1024 * 1024 * 1024;

    /// <summary>Growth allowed over the baseline: buffers and pools, nothing proportional to the gigabytes moved.</summary>
    private const long MaxGrowth = 150L * 1000 * 1000;

    [Fact]
    public async Task Transfer_2GBDownloadAnd1GBUpload_BytesAndSha256MatchWithRelayAndAgentMemoryFlat()
    {
        await using var origin = await TunnelOrigin.StartAsync();
        await using var relay = await TunnelSetup.Relay(PublicHost).StartAsync();
        await using var agent = await TunnelSetup.HttpProxyAgent(relay, origin.Url)
            .WithSetting("Logging:LogLevel:Edge.HttpProxy", "Warning")
            .StartAsync();
        Assert.Equal(HttpStatusCode.OK, await TunnelSetup.WaitForReadyAsync(agent, HttpStatusCode.OK));
        using var http = new HttpClient(TunnelSetup.RelayHandler(relay)) { Timeout = TimeSpan.FromMinutes(10) };
        var relayPid = relay.ProcessId!.Value;
        var agentPid = agent.ProcessId!.Value;

        // Warm up (JIT, pools, HTTP/2 windows) so the baseline is the steady state, not the cold process.
        var warmDownload = await DownloadAsync(http, relay, 64L * 1024 * 1024, "warm");
        var warmUpload = await UploadAsync(http, relay, 64L * 1024 * 1024);
        Assert.Equal(origin.Sent["warm"], (warmDownload.Bytes, warmDownload.Sha256));
        Assert.Equal((warmUpload.SentBytes, warmUpload.SentSha256), (warmUpload.OriginBytes, warmUpload.OriginSha256));

        // 2 GB down.
        (long Bytes, string Sha256, TimeSpan Elapsed) download;
        string downloadMemory;
        await using (var relayRss = RssSampler.Start("relay", relayPid))
        await using (var agentRss = RssSampler.Start("agent", agentPid))
        {
            download = await DownloadAsync(http, relay, DownloadBytes, "big");
            await relayRss.StopAsync();
            await agentRss.StopAsync();
            downloadMemory = $"{relayRss}; {agentRss}";
            output.WriteLine($"download: {Describe(download.Bytes, download.Elapsed)}; {downloadMemory}");
            Assert.Equal(DownloadBytes, download.Bytes);
            Assert.Equal(origin.Sent["big"], (download.Bytes, download.Sha256));
            Assert.True(relayRss.Growth < MaxGrowth, "relay memory grew with the download: " + downloadMemory);
            Assert.True(agentRss.Growth < MaxGrowth, "agent memory grew with the download: " + downloadMemory);
        }

        // 1 GB up.
        await using (var relayRss = RssSampler.Start("relay", relayPid))
        await using (var agentRss = RssSampler.Start("agent", agentPid))
        {
            var upload = await UploadAsync(http, relay, UploadBytes);
            await relayRss.StopAsync();
            await agentRss.StopAsync();
            var uploadMemory = $"{relayRss}; {agentRss}";
            output.WriteLine($"upload: {Describe(upload.SentBytes, upload.Elapsed)}; {uploadMemory}");
            Assert.Equal(UploadBytes, upload.SentBytes);
            Assert.Equal((upload.SentBytes, upload.SentSha256), (upload.OriginBytes, upload.OriginSha256));
            Assert.True(relayRss.Growth < MaxGrowth, "relay memory grew with the upload: " + uploadMemory);
            Assert.True(agentRss.Growth < MaxGrowth, "agent memory grew with the upload: " + uploadMemory);
        }
    }

    private static string Describe(long bytes, TimeSpan elapsed) => string.Create(
        CultureInfo.InvariantCulture,
        $"{bytes / 1e9:0.00} GB in {elapsed.TotalSeconds:0.0} s ({bytes / 1e6 / elapsed.TotalSeconds:0} MB/s)");

    private static async Task<(long Bytes, string Sha256, TimeSpan Elapsed)> DownloadAsync(HttpClient http, EdgeProcess relay, long bytes, string id)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(TunnelSetup.PublicUri(relay, PublicHost, $"/download?bytes={bytes}&id={id}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()), clock.Elapsed);
    }

    private static async Task<(long SentBytes, string SentSha256, long OriginBytes, string OriginSha256, TimeSpan Elapsed)> UploadAsync(HttpClient http, EdgeProcess relay, long bytes)
    {
        var clock = Stopwatch.StartNew();
        var content = new GeneratedContent(bytes);
        using var response = await http.PostAsync(TunnelSetup.PublicUri(relay, PublicHost, "/upload"), content);
        var answer = (await response.Content.ReadAsStringAsync()).Split(' ');
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (content.Bytes, content.Sha256, long.Parse(answer[0], CultureInfo.InvariantCulture), answer[1], clock.Elapsed);
    }

    /// <summary>A request body of generated blocks, hashed as it is written; never held in memory.</summary>
    private sealed class GeneratedContent(long length) : HttpContent
    {
        public long Bytes { get; private set; }

        public string Sha256 { get; private set; } = "";

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var block = new byte[TunnelOrigin.BlockSize];
            long sent = 0;
            for (long index = 0; sent < length; index++)
            {
                TunnelOrigin.FillBlock(index, block);
                var count = (int)Math.Min(block.Length, length - sent);
                await stream.WriteAsync(block.AsMemory(0, count));
                hash.AppendData(block, 0, count);
                sent += count;
            }

            Bytes = sent;
            Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}
