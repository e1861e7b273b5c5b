using Edge.Functions;
using Edge.RegistryProxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Edge.RegistryProxy.Content;

/// <summary>One client request being served: route, client, and what the log line will say.</summary>
internal sealed class ProxyRequest(HttpContext http, RegistryRoute route, IFetchContext context)
{
    public HttpContext Http => http;

    public HttpRequest Request => http.Request;

    public HttpResponse Response => http.Response;

    public RegistryRoute Route => route;

    public IFetchContext Context => context;

    public CancellationToken Aborted => context.Aborted;

    public bool IsHead => HttpMethods.IsHead(http.Request.Method);

    public string? Authorization => http.Request.Headers.Authorization.Count > 0 ? http.Request.Headers.Authorization.ToString() : null;

    public RequestState State { get; } = new();

    public UpstreamRequest ToUpstream(HttpMethod method, string pathAndQuery) =>
        new(route.Upstream, method, pathAndQuery, route.Repository, Authorization)
        {
            Accept = http.Request.Headers.Accept.Count > 0 ? http.Request.Headers.Accept.ToString() : null,
            UserAgent = http.Request.Headers.UserAgent.Count > 0 ? http.Request.Headers.UserAgent.ToString() : null,
        };
}
