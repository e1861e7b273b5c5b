using System.Collections.Concurrent;

namespace Edge.Bindings.Tests.TestSupport;

/// <summary>An HTTP handler that records each request's method, path and query on its way to the real server.</summary>
internal sealed class RequestRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    public ConcurrentQueue<(string Method, string Path, string Query)> Seen { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Seen.Enqueue((request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query));
        return base.SendAsync(request, cancellationToken);
    }
}
