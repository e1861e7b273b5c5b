using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Edge.RegistryProxy.Tests.Resilience;

/// <summary>
/// An upstream as a script: each request takes the next step (or the fallback). Steps that complete synchronously keep
/// the whole pipeline synchronous, so a retry's timer is registered on the fake clock before the call returns.
/// </summary>
internal sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _steps = new();
    private readonly ConcurrentQueue<HttpRequestMessage> _requests = new();
    private Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _otherwise = (_, _) => Task.FromResult(Status(200));

    public int Count => _requests.Count;

    /// <summary>Method, URI and Authorization of every request, in order.</summary>
    public IReadOnlyList<HttpRequestMessage> Requests => [.. _requests];

    public static HttpResponseMessage Status(int status, string? retryAfter = null, string? body = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body ?? "") };
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return response;
    }

    public static Task<HttpResponseMessage> Refused(HttpRequestMessage request) =>
        Task.FromException<HttpResponseMessage>(new HttpRequestException(
            HttpRequestError.ConnectionError,
            $"Connection refused ({request.RequestUri!.Authority})",
            new SocketException((int)SocketError.ConnectionRefused)));

    public ScriptedHandler Then(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> step)
    {
        _steps.Enqueue(step);
        return this;
    }

    public ScriptedHandler ThenStatus(int status, string? retryAfter = null) => Then((_, _) => Task.FromResult(Status(status, retryAfter)));

    public ScriptedHandler ThenRefuse() => Then((request, _) => Refused(request));

    /// <summary>What every request past the script gets.</summary>
    public ScriptedHandler Otherwise(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> step)
    {
        _otherwise = step;
        return this;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue(request);
        var step = _steps.TryDequeue(out var next) ? next : _otherwise;
        return step(request, cancellationToken);
    }
}
