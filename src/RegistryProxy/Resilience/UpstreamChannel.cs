using Edge.RegistryProxy.Routing;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace Edge.RegistryProxy.Resilience;

/// <summary>
/// The way to one upstream: its invoker (direct, or through its <c>Proxy</c>) and its resilience pipeline, shared by
/// requests to the registry, its token realm and its redirect targets.
/// </summary>
/// <remarks>
/// Each attempt runs through, outermost first:
/// 1. Retry: idempotent requests only, after a connection failure, a 5xx, or a 429/503 whose Retry-After is short;
///    jittered exponential backoff, bounded in attempts and in time (<see cref="ResilienceOptions"/>).
/// 2. Circuit breaker: counts failures (<see cref="UpstreamOutcome.IsFailure(Outcome{object}, CancellationToken)"/>);
///    while open, attempts fail at once with <see cref="BrokenCircuitException"/>, so callers serve the cache or the
///    registry error without waiting; after the break one probe goes through (half-open).
/// 3. Timeout: the time to response headers (<see cref="RegistryProxyOptions.UpstreamTimeout"/>) on the
///    <see cref="TimeProvider"/>. An attempt ends when the headers arrive, so bodies are never limited, and never retried.
/// </remarks>
internal sealed partial class UpstreamChannel
{
    private static readonly ResiliencePropertyKey<bool> IdempotentKey = new("edge.idempotent");
    private static readonly ResiliencePropertyKey<long> StartedKey = new("edge.started");
    private static readonly ResiliencePropertyKey<TimeSpan?> RetryAfterKey = new("edge.retry-after");

    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly ResilienceOptions _options;
    private readonly TimeProvider _time;
    private readonly ResilienceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private volatile string _openedBecause = "";

    /// <param name="upstream">The upstream.</param>
    /// <param name="http">Its invoker: the shared one, or the one through its proxy.</param>
    /// <param name="upstreamTimeout">Time to response headers per attempt.</param>
    /// <param name="options">Breaker and retry settings.</param>
    /// <param name="time">The clock of every timer involved (a fake one in tests).</param>
    /// <param name="metrics">Where retries, rejections and the circuit state are reported.</param>
    /// <param name="logger">For the circuit's transitions and retries.</param>
    /// <param name="randomizer">The jitter's random source, in [0, 1); tests fix it.</param>
    public UpstreamChannel(
        Upstream upstream,
        HttpMessageInvoker http,
        TimeSpan upstreamTimeout,
        ResilienceOptions options,
        TimeProvider time,
        ResilienceMetrics metrics,
        ILogger logger,
        Func<double>? randomizer = null)
    {
        Upstream = upstream;
        Http = http;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _pipeline = Build(upstreamTimeout, randomizer);
    }

    public Upstream Upstream { get; }

    /// <summary>The invoker every request of this upstream goes out on, redirects and token realm included.</summary>
    public HttpMessageInvoker Http { get; }

    public CircuitState Circuit => _circuit.CircuitState;

    /// <summary>Why the circuit last opened (for the error clients get while it is open).</summary>
    public string OpenedBecause => _openedBecause;

    /// <summary>
    /// Runs <paramref name="attempt"/> through the pipeline. The attempt must end when the upstream's response headers
    /// are in and must not write to the client: everything it does may be done again.
    /// </summary>
    /// <param name="attempt">One try, given the token that carries the timeout.</param>
    /// <param name="idempotent">GET or HEAD: may be retried.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <exception cref="BrokenCircuitException">The circuit is open: the upstream is considered down.</exception>
    /// <exception cref="Polly.Timeout.TimeoutRejectedException">No response headers within the upstream timeout.</exception>
    /// <exception cref="HttpRequestException">The upstream (or its proxy) could not be reached.</exception>
    public async ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> attempt, bool idempotent, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(IdempotentKey, idempotent);
        context.Properties.Set(StartedKey, _time.GetTimestamp());
        try
        {
            return await _pipeline.ExecuteAsync(static (ctx, send) => send(ctx.CancellationToken), context, attempt);
        }
        catch (BrokenCircuitException)
        {
            _metrics.Rejected(Upstream.Name);
            LogRejected(_logger, Upstream.Name);
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
