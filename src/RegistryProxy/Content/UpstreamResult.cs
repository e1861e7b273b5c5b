using Edge.RegistryProxy.Errors;

namespace Edge.RegistryProxy.Content;

/// <summary>An upstream's response, or why there is none (unreachable, timed out).</summary>
internal sealed class UpstreamResult : IDisposable
{
    private UpstreamResult(HttpResponseMessage? response, RegistryError? failure)
    {
        Response = response;
        Failure = failure;
    }

    public HttpResponseMessage? Response { get; }

    public RegistryError? Failure { get; }

    public int Status => Response is null ? 0 : (int)Response.StatusCode;

    public static UpstreamResult Of(HttpResponseMessage response) => new(response, null);

    public static UpstreamResult Failed(RegistryError failure) => new(null, failure);

    public void Dispose() => Response?.Dispose();
}
