using System.Globalization;
using System.Net.Http.Headers;
using Edge.RegistryProxy.Auth;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Edge.RegistryProxy.Resilience;

/// <summary>What one attempt at an upstream (its registry, token realm or redirect target) says about its health.</summary>
internal static class UpstreamOutcome
{
    /// <summary>
    /// Whether the attempt means the upstream is down, which the circuit breaker counts: it could not be reached, did
    /// not answer in time, or answered 5xx. 401, 403, 404 and 429 are answers from a working upstream and never count.
    /// </summary>
    /// <param name="outcome">The attempt's result or exception.</param>
    /// <param name="caller">The caller's token: an attempt cancelled because the client left says nothing about upstream.</param>
    public static bool IsFailure(Outcome<object> outcome, CancellationToken caller) =>
        outcome.Exception is { } exception
            ? IsFailure(exception, caller)
            : Status(outcome.Result) is { } status && IsServerFailure(status);

    /// <summary>Whether an exception from an attempt means the upstream is down (see <see cref="IsFailure(Outcome{object}, CancellationToken)"/>).</summary>
    public static bool IsFailure(Exception exception, CancellationToken caller) => exception switch
    {
        BrokenCircuitException => false,
        TimeoutRejectedException => true,
        HttpRequestException or IOException or InvalidDataException => true,
        // Cancelled although nobody asked: the handler's own connect timeout.
        OperationCanceledException => !caller.IsCancellationRequested,
        _ => false,
    };

    /// <summary>5xx, except 501 (an answer about the request, not about the upstream's health).</summary>
    public static bool IsServerFailure(int status) => status >= 500 && status != 501;

    /// <summary>The HTTP status of an attempt's result: an upstream response or a token service's answer.</summary>
    public static int? Status(object? result) => result switch
    {
        HttpResponseMessage response => (int)response.StatusCode,
        TokenResponse token => token.Status,
        _ => null,
    };

    /// <summary>The <c>Retry-After</c> of an upstream response, if it has one.</summary>
    public static RetryConditionHeaderValue? RetryAfterHeader(object? result) =>
        result is HttpResponseMessage response ? response.Headers.RetryAfter : null;

    /// <summary>A short reason for log lines and error messages: the exception's message or the status.</summary>
    public static string Describe(Outcome<object> outcome) => outcome.Exception switch
    {
        TimeoutRejectedException timeout => $"no response headers within {timeout.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s",
        { } exception => Message(exception),
        null => Status(outcome.Result) is { } status ? "HTTP " + status.ToString(CultureInfo.InvariantCulture) : "no answer",
    };

    /// <summary>
    /// An exception's message with its innermost cause when that says more (a SOCKS or TLS failure below an
    /// HttpRequestException's "An error occurred while sending the request").
    /// </summary>
    public static string Message(Exception exception)
    {
        var inner = exception.GetBaseException();
        return inner != exception && inner.Message.Length > 0 && !exception.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{exception.Message} ({inner.Message})"
            : exception.Message;
    }
}
