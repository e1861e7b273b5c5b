using System.Globalization;
using System.Net;
using Edge.Functions;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Cache;
using Edge.RegistryProxy.Errors;
using Edge.RegistryProxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// Blobs: served from cache (whole or ranged) to clients allowed to read the repository; otherwise fetched
/// once from upstream, streamed to every waiting client while written to the bucket, verified, committed.
/// </summary>
/// <remarks>
/// 1. Cached and linked to the repository, and the client may read it: serve from the bucket.
/// 2. Cached but not known for this repository or client: confirm with an upstream HEAD, then serve the cache.
/// 3. A ranged or HEAD request that misses: passed through to upstream, nothing cached.
/// 4. A GET that misses: join or start the shared download and stream it.
/// </remarks>
internal sealed class BlobService(
    UpstreamClient upstreamClient,
    IObjectBucket bucket,
    IKeyValueStore store,
    AccessPolicy access,
    BlobDownloads downloads,
    CacheAccessLog accessLog,
    string scratchDirectory,
    ILogger logger)
{
    private const int CopyBufferSize = 256 * 1024;

    public async Task ServeAsync(ProxyRequest request)
    {
        var route = request.Route;
        var digest = route.Digest!;
        var key = CacheKeys.Blob(digest);
        var cached = await bucket.HeadAsync(key, request.Aborted);
        if (cached is null && downloads.Running(key) is { Verified.IsCompletedSuccessfully: true } committing)
        {
            // Every byte is in and verified; only the commit (a rename) is left. Wait for it rather than go upstream.
            await committing.Completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).WaitAsync(request.Aborted);
            cached = await bucket.HeadAsync(key, request.Aborted);
        }

        var linkKey = CacheKeys.Link(route.Upstream, route.Repository, digest);

        if (cached is not null)
        {
            // 1. Linked and readable.
            var linked = await store.GetAsync(linkKey, request.Aborted) is not null;
            if (linked && await access.MayReadCacheAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted))
            {
                request.State.Cache = CacheOutcome.Hit;
                await WriteCachedAsync(request, digest, cached);
                return;
            }

            // 2. Ask upstream whether this client may see this blob in this repository.
            using var check = await upstreamClient.SendAsync(request.ToUpstream(HttpMethod.Head, $"/v2/{route.Repository}/blobs/{digest}"), request.Aborted);
            if (check.Response?.StatusCode == HttpStatusCode.OK)
            {
                await access.RecordSuccessAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
                await store.PutAsync(linkKey, "1"u8.ToArray(), cancellationToken: request.Aborted);
                request.State.Cache = CacheOutcome.Hit;
                await WriteCachedAsync(request, digest, cached);
                return;
            }

            await UpstreamResponses.WriteFailureAsync(check, request, RegistryErrorCode.BlobUnknown);
            return;
        }

        // 3. Misses that are not whole GETs pass through.
        var range = request.Request.Headers.Range.Count > 0 ? request.Request.Headers.Range.ToString() : null;
        if (request.IsHead || range is not null)
        {
            await PassThroughAsync(request, range);
            return;
        }

        // 4. Shared download.
        await ServeDownloadAsync(request, digest, key, linkKey);
    }

    private async Task ServeDownloadAsync(ProxyRequest request, Digest digest, string key, string linkKey)
    {
        var route = request.Route;
        UpstreamResult? ownResult = null;
        try
        {
            var (download, leader) = await downloads.JoinOrStartAsync(key, async () =>
            {
                ownResult = await upstreamClient.SendAsync(request.ToUpstream(HttpMethod.Get, $"/v2/{route.Repository}/blobs/{digest}"), CancellationToken.None);
                if (ownResult.Response is not { StatusCode: HttpStatusCode.OK } response)
                {
                    return null;
                }

                await access.RecordSuccessAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
                await store.PutAsync(linkKey, "1"u8.ToArray(), cancellationToken: request.Aborted);
                var upload = await bucket.BeginPutAsync(key, new ObjectPutOptions { ContentType = "application/octet-stream" }, request.Aborted);
                var started = new BlobDownload(digest, response.Content.Headers.ContentLength, upload, scratchDirectory, logger);
                if (accessLog.Enabled)
                {
                    // A new object counts as used when committed, so a sweep right after never takes it.
                    _ = started.Completion.ContinueWith(
                        t => { if (t.IsCompletedSuccessfully) { accessLog.Touch(key); } },
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }

                var body = await response.Content.ReadAsStreamAsync(CancellationToken.None);
                var upstreamResponse = ownResult;
                ownResult = null; // owned by the pump from here on
                var pump = Task.Run(async () =>
                {
                    using (upstreamResponse)
                    {
                        await started.PumpAsync(body, CancellationToken.None);
                    }
                });
                request.Context.WaitUntil(pump);
                return started;
            });

            if (download is null)
            {
                if (leader)
                {
                    await UpstreamResponses.WriteFailureAsync(ownResult!, request, RegistryErrorCode.BlobUnknown);
                    return;
                }

                // The shared start failed for someone else's credentials; try with ours, unshared.
                await PassThroughAsync(request, range: null);
                return;
            }

            if (!leader && !await access.MayReadCacheAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted))
            {
                // Joining someone else's download needs upstream's word that this client may read the blob.
                using var check = await upstreamClient.SendAsync(request.ToUpstream(HttpMethod.Head, $"/v2/{route.Repository}/blobs/{digest}"), request.Aborted);
                if (check.Response?.StatusCode != HttpStatusCode.OK)
                {
                    await UpstreamResponses.WriteFailureAsync(check, request, RegistryErrorCode.BlobUnknown);
                    return;
                }

                await access.RecordSuccessAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
                await store.PutAsync(linkKey, "1"u8.ToArray(), cancellationToken: request.Aborted);
            }

            request.State.Cache = leader ? CacheOutcome.Miss : CacheOutcome.Shared;
            if (leader)
            {
                // The starting client is fed by the pump itself: no read-back from disk.
                SetBlobHeaders(request.Response, digest, download.Length);
                try
                {
                    await download.ServePrimaryAsync(request.Response.BodyWriter, request.Aborted);
                    request.State.Bytes = download.Written;
                }
                catch (BlobDownloadException ex)
                {
                    await FailStreamAsync(request, ex);
                }

                return;
            }

            await using var reader = download.OpenReader();
            if (reader is null)
            {
                // It finished between joining and opening: read the committed blob, or report the failure.
                await ServeFinishedAsync(request, download, digest, key);
                return;
            }

            SetBlobHeaders(request.Response, digest, download.Length);
            try
            {
                await CopyAsync(reader, request.Response, request);
            }
            catch (BlobDownloadException ex)
            {
                await FailStreamAsync(request, ex);
            }
        }
        finally
        {
            ownResult?.Dispose();
        }
    }

    /// <summary>
    /// A shared download failed under this client: a clean 502 if nothing was sent yet, otherwise a cut connection,
    /// the only honest signal left once bytes are out (the last byte is always held back, so it is never complete).
    /// </summary>
    private static async Task FailStreamAsync(ProxyRequest request, BlobDownloadException failure)
    {
        var response = request.Response;
        if (response.HasStarted)
        {
            request.Http.Abort();
            return;
        }

        response.Headers.Remove("Docker-Content-Digest");
        response.Headers.ETag = default;
        await new RegistryError(RegistryErrorCode.Unavailable, $"{request.Route.Upstream.Describe()}: {failure.Message}", 502).WriteAsync(response, request.Aborted);
    }

    private static void SetBlobHeaders(HttpResponse response, Digest digest, long? length)
    {
        response.StatusCode = 200;
        response.ContentType = "application/octet-stream";
        response.ContentLength = length;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = "\"" + digest + "\"";
        response.Headers.AcceptRanges = "bytes";
    }

    private async Task ServeFinishedAsync(ProxyRequest request, BlobDownload download, Digest digest, string key)
    {
        try
        {
            await download.Completion;
        }
        catch (BlobDownloadException ex)
        {
            await new RegistryError(RegistryErrorCode.Unavailable, ex.Message, 502).WriteAsync(request.Response, request.Aborted);
            return;
        }

        var info = await bucket.HeadAsync(key, request.Aborted);
        if (info is null)
        {
            await new RegistryError(RegistryErrorCode.BlobUnknown, $"Blob {digest} left the cache while being served; retry.", 503).WriteAsync(request.Response, request.Aborted);
            return;
        }

        await WriteCachedAsync(request, digest, info);
    }

    private async Task WriteCachedAsync(ProxyRequest request, Digest digest, ObjectInfo info)
    {
        accessLog.Touch(CacheKeys.Blob(digest));
        var response = request.Response;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = "\"" + digest + "\"";
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = "application/octet-stream";
        var rangeHeader = request.Request.Headers.Range.Count > 0 ? request.Request.Headers.Range.ToString() : null;
        ByteRange? range = null;
        switch (RangeHeader.Parse(rangeHeader, info.Size, out var parsed))
        {
            case RangeHeader.Outcome.Invalid:
                await new RegistryError(RegistryErrorCode.RangeInvalid, "The Range header is malformed; expected bytes=START-[END] or bytes=-SUFFIX.", 400).WriteAsync(response, request.Aborted);
                return;
            case RangeHeader.Outcome.Unsatisfiable:
                response.Headers.Remove("Docker-Content-Digest");
                await new RegistryError(RegistryErrorCode.RangeInvalid, $"The range is outside the blob's {info.Size} bytes.")
                {
                    Headers = [new("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes */{info.Size}"))],
                }.WriteAsync(response, request.Aborted);
                return;
            case RangeHeader.Outcome.Range:
                range = parsed;
                break;
        }

        if (range is { } r)
        {
            response.StatusCode = 206;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {r.Offset}-{r.Offset + r.Length!.Value - 1}/{info.Size}");
            response.ContentLength = r.Length;
        }
        else
        {
            response.StatusCode = 200;
            response.ContentLength = info.Size;
        }

        if (request.IsHead)
        {
            return;
        }

        ObjectBody? body;
        try
        {
            body = await bucket.GetAsync(CacheKeys.Blob(digest), range, request.Aborted);
        }
        catch (RangeNotSatisfiableException)
        {
            body = null;
        }

        if (body is null)
        {
            response.Headers.Remove("Docker-Content-Digest");
            response.Headers.ContentRange = default;
            await new RegistryError(RegistryErrorCode.BlobUnknown, $"Blob {digest} left the cache while being served; retry.", 503).WriteAsync(response, request.Aborted);
            return;
        }

        await using (body)
        {
            await CopyAsync(body.Content, response, request);
        }
    }

    /// <summary>A miss that is a HEAD or a ranged GET: upstream answers, byte for byte, nothing cached.</summary>
    private async Task PassThroughAsync(ProxyRequest request, string? range)
    {
        var method = request.IsHead ? HttpMethod.Head : HttpMethod.Get;
        var upstreamRequest = request.ToUpstream(method, $"/v2/{request.Route.Repository}/blobs/{request.Route.Digest}") with { Range = range };
        using var result = await upstreamClient.SendAsync(upstreamRequest, request.Aborted);
        if (result.Response is not { StatusCode: HttpStatusCode.OK or HttpStatusCode.PartialContent } upstream)
        {
            await UpstreamResponses.WriteFailureAsync(result, request, RegistryErrorCode.BlobUnknown);
            return;
        }

        await access.RecordSuccessAsync(request.Route.Upstream, request.Route.Repository, request.Authorization, request.Aborted);
        request.State.Cache = CacheOutcome.Bypass;
        var response = request.Response;
        response.StatusCode = (int)upstream.StatusCode;
        response.ContentType = "application/octet-stream";
        response.ContentLength = upstream.Content.Headers.ContentLength;
        response.Headers["Docker-Content-Digest"] = request.Route.Digest!.ToString();
        response.Headers.AcceptRanges = "bytes";
        if (upstream.Content.Headers.ContentRange is { } contentRange)
        {
            response.Headers.ContentRange = contentRange.ToString();
        }

        if (request.IsHead)
        {
            return;
        }

        await using var body = await upstream.Content.ReadAsStreamAsync(request.Aborted);
        try
        {
            await CopyAsync(body, response, request);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            request.Http.Abort();
        }
    }

    /// <summary>
    /// Streams <paramref name="source"/> to the client, reading straight into the response pipe's memory so each
    /// chunk is copied once between the file and the socket.
    /// </summary>
    private static async Task CopyAsync(Stream source, HttpResponse response, ProxyRequest request)
    {
        var writer = response.BodyWriter;
        while (true)
        {
            var memory = writer.GetMemory(CopyBufferSize);
            var read = await source.ReadAsync(memory, request.Aborted);
            if (read == 0)
            {
                break;
            }

            writer.Advance(read);
            request.State.Bytes += read;
            var flushed = await writer.FlushAsync(request.Aborted);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                break;
            }
        }
    }
}
