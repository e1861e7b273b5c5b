using System.Net;
using Edge.RegistryProxy.Errors;

namespace Edge.RegistryProxy.Content;

/// <summary>Tag lists, passed through with their query (<c>n</c>, <c>last</c>) and pagination links in the client's names.</summary>
internal sealed class TagListService(UpstreamClient upstreamClient)
{
    public async Task ServeAsync(ProxyRequest request)
    {
        var route = request.Route;
        var query = request.Request.QueryString.HasValue ? StripNs(request.Request.QueryString.Value!) : "";
        using var result = await upstreamClient.SendAsync(request.ToUpstream(HttpMethod.Get, $"/v2/{route.Repository}/tags/list{query}"), request.Aborted);
        if (result.Response is not { StatusCode: HttpStatusCode.OK } upstream)
        {
            await UpstreamResponses.WriteFailureAsync(result, request, RegistryErrorCode.NameUnknown);
            return;
        }

        request.State.Cache = CacheOutcome.Bypass;
        var response = request.Response;
        response.StatusCode = 200;
        response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.ContentLength = upstream.Content.Headers.ContentLength;
        if (upstream.Headers.TryGetValues("Link", out var links))
        {
            // </v2/library/nginx/tags/list?last=x&n=50>; rel="next" → the path the client used.
            var upstreamPath = $"/v2/{route.Repository}/tags/list";
            var clientPath = $"/v2/{route.ClientName}/tags/list";
            response.Headers["Link"] = string.Join(", ", links.Select(l => l.Replace(upstreamPath, clientPath, StringComparison.Ordinal)));
        }

        if (request.IsHead)
        {
            return;
        }

        await using var body = await upstream.Content.ReadAsStreamAsync(request.Aborted);
        await body.CopyToAsync(response.Body, request.Aborted);
    }

    /// <summary>containerd's <c>ns</c> selects the upstream here; upstream never sees it.</summary>
    private static string StripNs(string query)
    {
        var kept = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("ns=", StringComparison.Ordinal) && p != "ns");
        var joined = string.Join('&', kept);
        return joined.Length == 0 ? "" : "?" + joined;
    }
}
