using Microsoft.AspNetCore.Http;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
    /// <summary>
    /// Checks the <see cref="TunnelProtocol.AccessTokenHeader"/> of a request whose host has no public rule.
    /// Returns the credential's name when the token is valid and covers the host; otherwise answers 403 and returns
    /// null.
    /// </summary>
    /// <remarks>
    /// A wrong token gets the same 403 whether or not the host has a (private) rule, and a valid token that does not
    /// cover the host gets the same 403 too, so a token tells nothing about private hostnames it does not open. The
    /// refusal is logged with host, path and peer, never the token. More than one header value is refused.
    /// </remarks>
    private async Task<string?> AuthorizeAccessAsync(HttpContext context, TunnelIngressRule? rule, string host, string path)
    {
        var values = context.Request.Headers[TunnelProtocol.AccessTokenHeader];
        var check = values.Count == 1 && values[0] is { Length: > 0 } token ? _access.Check(token, host) : default;
        if (check is { Name: { } name, CoversHost: true })
        {
            return name;
        }

        Interlocked.Increment(ref _accessRefused);
        if (rule is not null)
        {
            Interlocked.Increment(ref _registry.Counters(rule.TunnelId).AccessRefused);
        }

        if (check.Name is null)
        {
            Log.AccessRefused(_logger, Sanitize(host), path, PeerOf(context), "invalid access token");
            await WriteTextAsync(context, StatusCodes.Status403Forbidden, "access token refused");
        }
        else
        {
            Log.AccessRefused(_logger, Sanitize(host), path, PeerOf(context), $"access token '{check.Name}' does not cover this host");
            await WriteTextAsync(context, StatusCodes.Status403Forbidden, $"access token does not cover host {host}");
        }

        return null;
    }
}
