using System.Net;
using System.Net.Http.Headers;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Errors;
using Edge.RegistryProxy.Resilience;
using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// Sends requests to upstream registries: credentials, challenges, redirects and failures handled once here.
/// </summary>
/// <remarks>
/// 1. Authorization: the client's own header; when it sent none and the upstream has configured credentials,
///    a token the proxy fetches with them.
/// 2. Send through the upstream's channel (<see cref="UpstreamChannel"/>): its proxy if it has one, retries of failed
///    attempts, its circuit breaker, and a time limit on the response headers only (bodies take as long as they take).
/// 3. A 401 teaches the realm; with proxy credentials in play, fetch a token for the challenged scope and retry once.
/// 4. A redirect is followed by the proxy (at most 5), with Range and method kept and NO Authorization, since
///    targets are CDNs and signed URLs that reject it. A target that itself challenges gets an anonymous token
///    of its own realm, never the client's or the operator's credentials.
///    Redirect targets and token realms go out on the same channel: through the upstream's proxy, counted by its breaker.
/// 5. Unreachable or silent upstreams become a registry error naming the upstream (502 / 504); one whose circuit is
///    open, a 503 with Retry-After at once, so callers serve the cache without waiting.
/// </remarks>
internal sealed partial class UpstreamClient(
    UpstreamChannels channels,
    RealmCache realms,
    ProxyTokenSource proxyTokens,
    RegistryProxyOptions options,
    ILogger logger)
{
    private const int MaxRedirects = 5;

    public async Task<UpstreamResult> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var upstream = request.Upstream;
        var channel = channels.For(upstream);
        var scope = $"repository:{request.Repository}:pull";
        var useProxyCredentials = request.ClientAuthorization is null && upstream.HasCredentials;

        // 1. Authorization
        string? authorization = ClientCredentials.IsOfflineToken(request.ClientAuthorization) ? null : request.ClientAuthorization;
        if (useProxyCredentials && realms.Get(upstream.Name) is { IsBearer: true } known)
        {
            authorization = await ProxyBearerAsync(upstream, known, scope, cancellationToken);
        }

        try
        {
            // 2. Send
            var response = await SendOnceAsync(channel, request, upstream.Resolve(request.PathAndQuery), authorization, cancellationToken);

            // 3. Challenge
            if (response.StatusCode == HttpStatusCode.Unauthorized && AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString()) is { } challenge)
            {
                realms.Remember(upstream.Name, challenge);
                if (useProxyCredentials)
                {
                    if (challenge.IsBearer)
                    {
                        proxyTokens.Forget(challenge, scope);
                        authorization = await ProxyBearerAsync(upstream, challenge, challenge.Scope ?? scope, cancellationToken);
                    }
                    else
                    {
                        authorization = BasicHeader(upstream.Username!, upstream.Password!);
                    }

                    if (authorization is not null)
                    {
                        response.Dispose();
                        response = await SendOnceAsync(channel, request, upstream.Resolve(request.PathAndQuery), authorization, cancellationToken);
                    }
                }
            }

            // 4. Redirects
            for (var hop = 0; hop < MaxRedirects && IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hop++)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
                response.Dispose();
                if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
                {
                    return UpstreamResult.Failed(new RegistryError(RegistryErrorCode.Unavailable, $"{upstream.Describe()} redirected to an unsupported URL scheme.", 502));
                }

                LogRedirect(logger, upstream.Name, target.Host);
                response = await SendOnceAsync(channel, request, target, authorization: null, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Unauthorized && AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString()) is { IsBearer: true } targetChallenge)
                {
                    var token = await proxyTokens.GetAsync(upstream, targetChallenge, targetChallenge.Scope, credentials: null, cancellationToken);
                    if (token is not null)
                    {
                        response.Dispose();
                        response = await SendOnceAsync(channel, request, target, "Bearer " + token, cancellationToken);
                    }
                }
            }

            return UpstreamResult.Of(response);
        }
        catch (Exception ex) when (IsUpstreamFailure(ex, cancellationToken))
        {
            // 5. Failures
            return Failure(channel, ex);
        }
    }

    /// <summary>Asks an upstream's <c>/v2/</c> how it authenticates, remembering its challenge.</summary>
    public async Task<UpstreamResult> PingAsync(Upstream upstream, string? authorization, CancellationToken cancellationToken)
    {
        var channel = channels.For(upstream);
        try
        {
            var response = await SendOnceAsync(channel, new UpstreamRequest(upstream, HttpMethod.Get, "/v2/", "", authorization), upstream.Resolve("/v2/"), authorization, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString()) is { } challenge)
            {
                realms.Remember(upstream.Name, challenge);
            }

            return UpstreamResult.Of(response);
        }
        catch (Exception ex) when (IsUpstreamFailure(ex, cancellationToken))
        {
            return Failure(channel, ex);
        }
    }

    /// <summary>
    /// Open circuit, timeout, unreachable, or cancelled although the client did not leave (the handler's own connect
    /// timeout). Anything else (the client leaving, a bug) propagates.
    /// </summary>
    private static bool IsUpstreamFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is BrokenCircuitException or TimeoutRejectedException or HttpRequestException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The registry error for an attempt that <see cref="IsUpstreamFailure"/>.</summary>
    private UpstreamResult Failure(UpstreamChannel channel, Exception exception) => exception switch
    {
        BrokenCircuitException open => CircuitOpen(channel, open.RetryAfter),
        HttpRequestException unreachable => Unreachable(channel.Upstream, unreachable),
        _ => TimedOut(channel.Upstream),
    };

    private UpstreamResult CircuitOpen(UpstreamChannel channel, TimeSpan? retryAfter)
    {
        var upstream = channel.Upstream;
        var seconds = RetryAfter.Seconds(retryAfter is { } wait && wait > TimeSpan.Zero ? wait : options.Resilience.BreakDuration);
        var because = channel.OpenedBecause is { Length: > 0 } reason ? $" (last failure: {reason})" : "";
        return UpstreamResult.Failed(new RegistryError(
            RegistryErrorCode.Unavailable,
            $"{upstream.Describe()} is considered down after repeated failures{because}; the proxy asks it again in {seconds} s.",
            503)
        {
            Headers = [new("Retry-After", seconds)],
        });
    }

    private UpstreamResult Unreachable(Upstream upstream, HttpRequestException ex)
    {
        var reason = upstream.Redact(UpstreamOutcome.Message(ex));
        var via = upstream.DescribeProxy() is { } proxy ? $" through its proxy {proxy}" : "";
        LogUnreachable(logger, upstream.Name, via.Length > 0 ? reason + via : reason);
        return UpstreamResult.Failed(new RegistryError(RegistryErrorCode.Unavailable, $"{upstream.Describe()} is unreachable{via}: {reason}", 502));
    }

    private UpstreamResult TimedOut(Upstream upstream)
    {
        LogTimeout(logger, upstream.Name, options.UpstreamTimeout);
        return UpstreamResult.Failed(new RegistryError(RegistryErrorCode.Unavailable, $"{upstream.Describe()} did not answer within {options.UpstreamTimeout.TotalSeconds:0} s.", 504));
    }

    private static async Task<HttpResponseMessage> SendOnceAsync(UpstreamChannel channel, UpstreamRequest request, Uri uri, string? authorization, CancellationToken cancellationToken)
    {
        // GET and HEAD only, and nothing reaches the client before the headers are in: every attempt may be retried.
        return await channel.ExecuteAsync(
            async attemptToken =>
            {
                using var message = new HttpRequestMessage(request.Method, uri);
                if (request.Accept is not null)
                {
                    message.Headers.TryAddWithoutValidation("Accept", request.Accept);
                }

                if (request.Range is not null)
                {
                    message.Headers.TryAddWithoutValidation("Range", request.Range);
                }

                message.Headers.TryAddWithoutValidation("User-Agent", request.UserAgent ?? "edge-registry-proxy");
                if (authorization is not null)
                {
                    message.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                // The attempt's token carries the time-to-headers limit; the body is read later, without it.
                return await channel.Http.SendAsync(message, attemptToken);
            },
            idempotent: request.Method == HttpMethod.Get || request.Method == HttpMethod.Head,
            cancellationToken);
    }

    private async Task<string?> ProxyBearerAsync(Upstream upstream, AuthChallenge challenge, string scope, CancellationToken cancellationToken)
    {
        var token = await proxyTokens.GetAsync(upstream, challenge, scope, (upstream.Username!, upstream.Password!), cancellationToken);
        return token is null ? null : "Bearer " + token;
    }

    private static string BasicHeader(string user, string password) =>
        new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password))).ToString();

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Upstream {Upstream} unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string upstream, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Upstream {Upstream} did not answer within {Timeout}")]
    private static partial void LogTimeout(ILogger logger, string upstream, TimeSpan timeout);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Upstream {Upstream} redirected to host {Host}; following without credentials")]
    private static partial void LogRedirect(ILogger logger, string upstream, string host);
}
