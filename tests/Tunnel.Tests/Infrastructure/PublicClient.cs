namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>A public client of the relay (HTTP/1.1 over real sockets; the Host header selects the ingress rule).</summary>
internal sealed class PublicClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
    private readonly Uri _baseUri;

    public PublicClient(int port)
    {
        _baseUri = new Uri($"http://127.0.0.1:{port}");
    }

    public Task<HttpResponseMessage> SendAsync(string host, string pathAndQuery, HttpMethod? method = null, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(_baseUri, pathAndQuery)) { Content = content };
        request.Headers.Host = host;
        return _invoker.SendAsync(request, cancellationToken);
    }

    public async Task<(int Status, string Body)> GetStringAsync(string host, string pathAndQuery)
    {
        using var response = await SendAsync(host, pathAndQuery);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _invoker.Dispose();
}
