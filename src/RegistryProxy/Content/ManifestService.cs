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
/// Manifests by tag and by digest. Content is cached by digest; a tag maps to a digest for
/// <see cref="RegistryProxyOptions.TagTtl"/>, then is revalidated with a HEAD (free of Docker Hub's pull
/// quota). When upstream or its token service is unreachable, the cached answer is served.
/// </summary>
internal sealed partial class ManifestService(
    UpstreamClient upstreamClient,
    IObjectBucket bucket,
    IKeyValueStore store,
    AccessPolicy access,
    CacheAccessLog accessLog,
    RegistryProxyOptions options,
    TimeProvider time,
    ILogger logger)
{
    public async Task ServeAsync(ProxyRequest request)
    {
        var route = request.Route;
        if (route.ByDigest)
        {
            await ServeByDigestAsync(request, route.Digest!);
        }
        else
        {
            await ServeByTagAsync(request, route.Reference!);
        }
    }

    private async Task ServeByDigestAsync(ProxyRequest request, Digest digest)
    {
        var route = request.Route;
        var cached = await bucket.HeadAsync(CacheKeys.Manifest(digest), request.Aborted);
        if (cached is not null && await store.GetAsync(CacheKeys.Link(route.Upstream, route.Repository, digest), request.Aborted) is not null
            && await access.MayReadCacheAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted))
        {
            request.State.Cache = CacheOutcome.Hit;
            await WriteCachedAsync(request, digest, cached);
            return;
        }

        // Not cached, not linked to this repository, or this client not yet known to upstream: ask upstream.
        var method = request.IsHead && cached is null ? HttpMethod.Head : HttpMethod.Get;
        using var result = await upstreamClient.SendAsync(request.ToUpstream(method, $"/v2/{route.Repository}/manifests/{digest}"), request.Aborted);
        if (result.Response is not { StatusCode: HttpStatusCode.OK } response)
        {
            if (IsUnavailable(result) && cached is not null && await CanServeOfflineAsync(request, digest))
            {
                request.State.Cache = CacheOutcome.Stale;
                await WriteCachedAsync(request, digest, cached);
                return;
            }

            await UpstreamResponses.WriteFailureAsync(result, request, RegistryErrorCode.ManifestUnknown);
            return;
        }

        await access.RecordSuccessAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
        request.State.Cache = CacheOutcome.Miss;
        if (method == HttpMethod.Head)
        {
            await WriteHeadFromUpstreamAsync(request, response, digest);
            return;
        }

        var fetched = await ReadManifestAsync(request, response, digest);
        if (fetched is null)
        {
            return;
        }

        await TryStoreAsync(route, digest, fetched.Value.ContentType, fetched.Value.Bytes, request.Aborted);
        await WriteBytesAsync(request, digest, fetched.Value.ContentType, fetched.Value.Bytes);
    }

    private async Task ServeByTagAsync(ProxyRequest request, string tag)
    {
        var route = request.Route;
        var accept = request.Request.Headers.Accept.Count > 0 ? request.Request.Headers.Accept.ToString() : null;
        var tagKey = CacheKeys.Tag(route.Upstream, route.Repository, tag, accept);
        var record = await store.GetJsonAsync(tagKey, RegistryJsonContext.Default.TagRecord, request.Aborted);
        Digest? recordDigest = null;
        ObjectInfo? cached = null;
        if (record is not null && Digest.TryParse(record.Digest, out var parsed))
        {
            recordDigest = parsed;
            cached = await bucket.HeadAsync(CacheKeys.Manifest(parsed), request.Aborted);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fresh = record is not null && now - record.CheckedAt < (long)options.TagTtl.TotalMilliseconds;

        // 1. Fresh tag, manifest cached, client allowed: no upstream request at all.
        if (fresh && cached is not null && await access.MayReadCacheAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted))
        {
            request.State.Cache = CacheOutcome.Hit;
            await WriteCachedAsync(request, recordDigest!, cached);
            return;
        }

        // 2. Known tag: revalidate with HEAD, which does not count against Docker Hub's pull limit.
        if (record is not null)
        {
            using var head = await upstreamClient.SendAsync(request.ToUpstream(HttpMethod.Head, $"/v2/{route.Repository}/manifests/{tag}"), request.Aborted);
            if (head.Response is { StatusCode: HttpStatusCode.OK } headResponse
                && Digest.TryParse(HeaderValue(headResponse, "Docker-Content-Digest"), out var current))
            {
                await access.RecordSuccessAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
                if (current == recordDigest && cached is not null)
                {
                    await store.PutJsonAsync(tagKey, record with { CheckedAt = now }, RegistryJsonContext.Default.TagRecord, cancellationToken: request.Aborted);
                    request.State.Cache = CacheOutcome.Revalidated;
                    await WriteCachedAsync(request, current, cached);
                    return;
                }

                // The tag moved (or its manifest left the cache): fall through to a fresh fetch below.
            }
            else if (IsUnavailable(head) && cached is not null && await CanServeOfflineAsync(request, recordDigest!))
            {
                request.State.Cache = CacheOutcome.Stale;
                await WriteCachedAsync(request, recordDigest!, cached);
                return;
            }
            else if (head.Response?.StatusCode != HttpStatusCode.OK)
            {
                if (head.Response?.StatusCode == HttpStatusCode.NotFound)
                {
                    await store.DeleteAsync(tagKey, request.Aborted);
                }

                await UpstreamResponses.WriteFailureAsync(head, request, RegistryErrorCode.ManifestUnknown);
                return;
            }
        }

        // 3. Unknown or moved tag: ask upstream. A HEAD stays a HEAD (no quota); a GET fetches and caches.
        var method = request.IsHead ? HttpMethod.Head : HttpMethod.Get;
        using var result = await upstreamClient.SendAsync(request.ToUpstream(method, $"/v2/{route.Repository}/manifests/{tag}"), request.Aborted);
        if (result.Response is not { StatusCode: HttpStatusCode.OK } response)
        {
            // Upstream cannot answer: a record cached for another client's Accept set serves, if this client takes its type.
            if (IsUnavailable(result) && await FindOfflineAlternativeAsync(request, tag, accept) is { } alternative)
            {
                request.State.Cache = CacheOutcome.Stale;
                await WriteCachedAsync(request, alternative.Digest, alternative.Info);
                return;
            }

            await UpstreamResponses.WriteFailureAsync(result, request, RegistryErrorCode.ManifestUnknown);
            return;
        }

        await access.RecordSuccessAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
        request.State.Cache = CacheOutcome.Miss;
        if (method == HttpMethod.Head)
        {
            if (Digest.TryParse(HeaderValue(response, "Docker-Content-Digest"), out var headDigest)
                && response.Content.Headers.ContentLength is { } headLength
                && response.Content.Headers.ContentType?.ToString() is { } headType)
            {
                await store.PutJsonAsync(tagKey, new TagRecord(headDigest.ToString(), headType, headLength, now), RegistryJsonContext.Default.TagRecord, cancellationToken: request.Aborted);
                await store.PutAsync(CacheKeys.Link(route.Upstream, route.Repository, headDigest), "1"u8.ToArray(), cancellationToken: request.Aborted);
            }

            await WriteHeadFromUpstreamAsync(request, response, null);
            return;
        }

        var fetched = await ReadManifestAsync(request, response, expected: null);
        if (fetched is null)
        {
            return;
        }

        var (bytes, contentType) = fetched.Value;
        var digest = Digest.Sha256Of(bytes);
        if (await TryStoreAsync(route, digest, contentType, bytes, request.Aborted))
        {
            await store.PutJsonAsync(tagKey, new TagRecord(digest.ToString(), contentType, bytes.Length, now), RegistryJsonContext.Default.TagRecord, cancellationToken: request.Aborted);
        }

        await WriteBytesAsync(request, digest, contentType, bytes);
    }

    /// <summary>
    /// Upstream cannot be asked: serve cached content only to whoever may read it without asking (a public
    /// repository, or a client upstream recently accepted).
    /// </summary>
    private async Task<bool> CanServeOfflineAsync(ProxyRequest request, Digest digest)
    {
        var route = request.Route;
        return await store.GetAsync(CacheKeys.Link(route.Upstream, route.Repository, digest), request.Aborted) is not null
            && await access.MayReadCacheAsync(route.Upstream, route.Repository, request.Authorization, request.Aborted);
    }

    private async Task<(Digest Digest, ObjectInfo Info)?> FindOfflineAlternativeAsync(ProxyRequest request, string tag, string? accept)
    {
        var route = request.Route;
        var checkedRecords = 0;
        await foreach (var key in store.ListKeysAsync(CacheKeys.TagPrefix(route.Upstream, route.Repository, tag), request.Aborted))
        {
            // A tag has a record per distinct client kind; a handful at most. Bound the scan anyway.
            if (++checkedRecords > 32)
            {
                break;
            }

            var record = await store.GetJsonAsync(key, RegistryJsonContext.Default.TagRecord, request.Aborted);
            if (record is null || !CacheKeys.Accepts(accept, record.MediaType) || !Digest.TryParse(record.Digest, out var digest))
            {
                continue;
            }

            if (await bucket.HeadAsync(CacheKeys.Manifest(digest), request.Aborted) is { } info && await CanServeOfflineAsync(request, digest))
            {
                return (digest, info);
            }
        }

        return null;
    }

    private static bool IsUnavailable(UpstreamResult result) =>
        result.Failure is not null || result.Status is 429 or >= 500;

    private async Task<(byte[] Bytes, string ContentType)?> ReadManifestAsync(ProxyRequest request, HttpResponseMessage response, Digest? expected)
    {
        var upstream = request.Route.Upstream;
        var contentType = response.Content.Headers.ContentType?.ToString();
        if (string.IsNullOrEmpty(contentType))
        {
            await new RegistryError(RegistryErrorCode.ManifestInvalid, $"{upstream.Describe()} sent a manifest without a Content-Type.", 502).WriteAsync(request.Response, request.Aborted);
            return null;
        }

        if (response.Content.Headers.ContentLength > options.MaxManifestBytes)
        {
            await new RegistryError(RegistryErrorCode.ManifestInvalid, $"{upstream.Describe()} sent a manifest larger than {options.MaxManifestBytes} bytes.", 502).WriteAsync(request.Response, request.Aborted);
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = await BoundedBody.ReadAsync(response.Content, options.MaxManifestBytes, "manifest", request.Aborted);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException)
        {
            await new RegistryError(RegistryErrorCode.Unavailable, $"{upstream.Describe()} failed while sending the manifest: {ex.Message}", 502).WriteAsync(request.Response, request.Aborted);
            return null;
        }

        var algorithm = expected?.Algorithm ?? "sha256";
        var actual = Digest.Compute(algorithm, bytes);
        if (expected is not null && actual != expected)
        {
            await new RegistryError(RegistryErrorCode.ManifestInvalid, $"{upstream.Describe()} sent a manifest whose digest is {actual}, not the requested {expected}; nothing was cached.", 502).WriteAsync(request.Response, request.Aborted);
            return null;
        }

        var announced = HeaderValue(response, "Docker-Content-Digest");
        if (expected is null && Digest.TryParse(announced, out var announcedDigest) && announcedDigest.Algorithm == "sha256" && announcedDigest != actual)
        {
            await new RegistryError(RegistryErrorCode.ManifestInvalid, $"{upstream.Describe()} announced digest {announcedDigest} but sent bytes hashing to {actual}; nothing was cached.", 502).WriteAsync(request.Response, request.Aborted);
            return null;
        }

        return (bytes, contentType);
    }

    /// <summary>
    /// Caches a manifest and links it (and what it references) to the repository. Returns false, logged, when the cache
    /// bucket fails: the manifest is still served, just not cached, and nothing points at the missing object.
    /// </summary>
    private async Task<bool> TryStoreAsync(RegistryRoute route, Digest digest, string contentType, byte[] bytes, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(bytes, writable: false);
        try
        {
            await bucket.PutAsync(CacheKeys.Manifest(digest), content, new ObjectPutOptions { ContentType = contentType }, cancellationToken);
        }
        catch (IOException ex)
        {
            LogStoreFailed(logger, digest.ToString(), ex.Message);
            return false;
        }

        accessLog.Touch(CacheKeys.Manifest(digest));
        await store.PutAsync(CacheKeys.Link(route.Upstream, route.Repository, digest), "1"u8.ToArray(), cancellationToken: cancellationToken);
        // Link what the manifest points to, so its layers (and an index's manifests) stay pullable from cache
        // for this repository when upstream is down.
        foreach (var child in ManifestReferences.Read(bytes))
        {
            if (Digest.TryParse(child, out var childDigest))
            {
                await store.PutAsync(CacheKeys.Link(route.Upstream, route.Repository, childDigest), "1"u8.ToArray(), cancellationToken: cancellationToken);
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Serving manifest {Digest} without caching it: the cache store failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string digest, string reason);

    private async Task WriteCachedAsync(ProxyRequest request, Digest digest, ObjectInfo info)
    {
        accessLog.Touch(CacheKeys.Manifest(digest));
        var response = request.Response;
        SetManifestHeaders(response, digest, info.ContentType ?? "application/octet-stream", info.Size);
        if (request.IsHead)
        {
            return;
        }

        await using var body = await bucket.GetAsync(CacheKeys.Manifest(digest), cancellationToken: request.Aborted);
        if (body is null)
        {
            // Evicted between HEAD and GET of the bucket: the client gets a clean error, not a short body.
            response.Headers.Remove("Docker-Content-Digest");
            await new RegistryError(RegistryErrorCode.ManifestUnknown, "The cached manifest disappeared while being read; retry.", 503).WriteAsync(response, request.Aborted);
            return;
        }

        await body.Content.CopyToAsync(response.Body, request.Aborted);
        request.State.Bytes = info.Size;
    }

    private static async Task WriteBytesAsync(ProxyRequest request, Digest digest, string contentType, byte[] bytes)
    {
        SetManifestHeaders(request.Response, digest, contentType, bytes.Length);
        if (!request.IsHead)
        {
            await request.Response.Body.WriteAsync(bytes, request.Aborted);
            request.State.Bytes = bytes.Length;
        }
    }

    private static Task WriteHeadFromUpstreamAsync(ProxyRequest request, HttpResponseMessage upstream, Digest? digest)
    {
        var response = request.Response;
        response.StatusCode = 200;
        response.ContentType = upstream.Content.Headers.ContentType?.ToString();
        response.ContentLength = upstream.Content.Headers.ContentLength;
        var announced = digest?.ToString() ?? HeaderValue(upstream, "Docker-Content-Digest");
        if (announced is not null)
        {
            response.Headers["Docker-Content-Digest"] = announced;
            response.Headers.ETag = "\"" + announced + "\"";
        }

        return Task.CompletedTask;
    }

    private static void SetManifestHeaders(HttpResponse response, Digest digest, string contentType, long length)
    {
        response.StatusCode = 200;
        response.ContentType = contentType;
        response.ContentLength = length;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = "\"" + digest + "\"";
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? contentValues.FirstOrDefault()
        : null;
}
