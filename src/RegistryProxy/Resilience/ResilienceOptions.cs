namespace Edge.RegistryProxy.Resilience;

/// <summary>
/// How the proxy copes with a failing upstream (<c>Registry:Resilience</c>). Every upstream has its own circuit
/// breaker and retries with these settings; its token realm and its redirect targets (CDNs) count as part of it.
/// </summary>
public sealed class ResilienceOptions
{
    /// <summary>
    /// The share of failed requests (connection failures, timeouts, 5xx; never 401/403/404/429) within
    /// <see cref="SamplingDuration"/> that opens the circuit. Default 0.5: an upstream that is down fails every request,
    /// while one flaky answer among healthy ones never opens it.
    /// </summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>
    /// How many attempts (retries count) must have been made within <see cref="SamplingDuration"/> before the ratio
    /// counts. Default 3: three failures in a row (one request and its two retries, or three timeouts) do not happen to
    /// a working upstream, while one failed attempt on a quiet proxy is not an outage.
    /// </summary>
    public int MinimumThroughput { get; set; } = 3;

    /// <summary>
    /// The window attempts are counted in; at least <see cref="Routing.RegistryProxyOptions.UpstreamTimeout"/>. Default
    /// 2 minutes: an upstream that accepts connections but never answers fails each request only after the upstream
    /// timeout (60 s by default), and those failures must still add up; failures older than that say little about now.
    /// </summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long an open circuit answers at once (cache, or the registry error) before one probe request is let through
    /// (half-open); its success closes the circuit, its failure opens it again. Default 30 s: an outage is rarely shorter,
    /// and clients retrying sooner get the cache rather than a <see cref="Routing.RegistryProxyOptions.UpstreamTimeout"/> wait.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries of an idempotent request (GET, HEAD, a token GET) that failed to connect or got a 5xx, before anything
    /// was sent to the client; 0 disables retries. A time-to-headers timeout is not retried: the client already waited
    /// <see cref="Routing.RegistryProxyOptions.UpstreamTimeout"/>. Default 2: a reset connection or a load balancer's 502
    /// usually clears at once, and more attempts only delay the answer about an upstream that is down.
    /// </summary>
    public int RetryAttempts { get; set; } = 2;

    /// <summary>
    /// The median wait before the first retry; later ones grow exponentially, with jitter so clients that failed
    /// together do not come back together. Default 200 ms.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest wait before a retry. A 429 or 503 whose <c>Retry-After</c> asks for at most this long is retried after
    /// that wait; one asking for longer goes to the client as it is (with its <c>Retry-After</c> and <c>RateLimit-*</c>
    /// headers). Default 5 s: a short pause hides a brief throttle from the client, a longer one is the client's to take.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// No retry starts once this long has passed since the first attempt began, so a request's time upstream stays
    /// bounded (about this plus one attempt). Default 10 s: well within the time registry clients wait for an answer.
    /// </summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Adds every problem (key named, relative to <c>Registry</c>) to <paramref name="errors"/>.</summary>
    /// <param name="upstreamTimeout">The upstream timeout the sampling window must cover.</param>
    /// <param name="errors">Where problems go.</param>
    internal void Validate(TimeSpan upstreamTimeout, List<string> errors)
    {
        const string Section = "Resilience:";
        if (!(FailureRatio > 0 && FailureRatio <= 1))
        {
            errors.Add(Section + "FailureRatio must be greater than 0 and at most 1.");
        }

        if (MinimumThroughput < 2)
        {
            errors.Add(Section + "MinimumThroughput must be at least 2.");
        }

        if (SamplingDuration < TimeSpan.FromMilliseconds(500) || SamplingDuration > TimeSpan.FromDays(1))
        {
            errors.Add(Section + "SamplingDuration must be between 500 ms and 1 day.");
        }
        else if (SamplingDuration < upstreamTimeout)
        {
            errors.Add(Section + "SamplingDuration must be at least UpstreamTimeout, or requests that time out could never add up to open the circuit.");
        }

        if (BreakDuration < TimeSpan.FromMilliseconds(500) || BreakDuration > TimeSpan.FromDays(1))
        {
            errors.Add(Section + "BreakDuration must be between 500 ms and 1 day.");
        }

        if (RetryAttempts is < 0 or > 10)
        {
            errors.Add(Section + "RetryAttempts must be between 0 and 10.");
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add(Section + "RetryDelay must be between 0 and 1 minute.");
        }

        if (MaxRetryDelay < TimeSpan.Zero || MaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add(Section + "MaxRetryDelay must be between 0 and 5 minutes.");
        }
        else if (RetryDelay > MaxRetryDelay)
        {
            errors.Add(Section + "RetryDelay must not be greater than MaxRetryDelay.");
        }

        if (RetryBudget < TimeSpan.Zero || RetryBudget > TimeSpan.FromMinutes(10))
        {
            errors.Add(Section + "RetryBudget must be between 0 and 10 minutes.");
        }
    }
}
