using System.Globalization;
using System.Net;
using System.Text;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

/// <summary>
/// A minimal registry on 127.0.0.1 that only answers <c>/v2/</c> and paginated tag lists (<c>n</c>, <c>last</c>, <c>Link</c>),
/// as registry v3 and Docker Hub do; the Debian CNCF distribution 2.8 ignores <c>n</c> and sends no Link.
/// Records every request path and query.
/// </summary>
internal sealed class PaginatingTagUpstream : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _repository;
    private readonly string[] _tags;
    private readonly List<string> _requests = [];
    private readonly Lock _gate = new();
    private readonly Task _loop;

    public PaginatingTagUpstream(string repository, params string[] tags)
    {
        _repository = repository;
        _tags = [.. tags.Order(StringComparer.Ordinal)];
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            var url = context.Request.Url!;
            lock (_gate)
            {
                _requests.Add(context.Request.HttpMethod + " " + url.PathAndQuery);
            }

            response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
            string body;
            if (url.AbsolutePath == "/v2/")
            {
                body = "{}";
            }
            else if (url.AbsolutePath == $"/v2/{_repository}/tags/list")
            {
                var query = System.Web.HttpUtility.ParseQueryString(url.Query);
                var n = int.TryParse(query["n"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : int.MaxValue;
                var last = query["last"];
                var remaining = _tags.Where(t => last is null || string.CompareOrdinal(t, last) > 0).ToList();
                var page = remaining.Take(n).ToList();
                if (page.Count < remaining.Count)
                {
                    response.Headers["Link"] = $"</v2/{_repository}/tags/list?last={page[^1]}&n={n.ToString(CultureInfo.InvariantCulture)}>; rel=\"next\"";
                }

                body = $"{{\"name\":\"{_repository}\",\"tags\":[{string.Join(',', page.Select(t => "\"" + t + "\""))}]}}";
            }
            else
            {
                response.StatusCode = 404;
                body = "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"unknown\"}]}";
            }

            var bytes = Encoding.UTF8.GetBytes(body);
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        }
    }
}
