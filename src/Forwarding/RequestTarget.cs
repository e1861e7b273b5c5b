using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Forwarding;

/// <summary>Where a forwarded request goes: the client's request target on the upstream's scheme, host and port.</summary>
public static class RequestTarget
{
    /// <summary>
    /// <paramref name="destinationPrefix"/> (<c>scheme://host[:port]</c>, no path) followed by the request target
    /// exactly as the client sent it: percent-encoding untouched, so <c>%2F</c> stays encoded and signatures over the
    /// path still match. Targets not in origin form (<c>*</c>, absolute form) fall back to the decoded path and query.
    /// </summary>
    public static Uri For(string destinationPrefix, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(destinationPrefix);
        ArgumentNullException.ThrowIfNull(request);
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = raw is { Length: > 0 } && raw[0] == '/'
            ? raw
            : request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        if (target.Length == 0)
        {
            target = "/";
        }

        return new Uri(destinationPrefix.TrimEnd('/') + target, UriKind.Absolute);
    }
}
