using System.Globalization;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Edge.RegistryProxy.Resilience;

internal sealed partial class UpstreamChannel
{
    private ResiliencePipeline Build(TimeSpan upstreamTimeout, Func<double>? randomizer)
    {
        var builder = new ResiliencePipelineBuilder { Name = "upstream-" + Upstream.Name, TimeProvider = _time };

        // 1. Retry
        if (_options.RetryAttempts > 0)
        {
            var retry = new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = _options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                // A Retry-After ShouldRetry accepted replaces the backoff.
                DelayGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(RetryAfterKey, null)),
                OnRetry = args =>
                {
                    var reason = UpstreamOutcome.Status(args.Outcome.Result) is { } status ? status.ToString(CultureInfo.InvariantCulture) : "unreachable";
                    _metrics.Retried(Upstream.Name, reason);
                    LogRetry(_logger, Upstream.Name, args.AttemptNumber + 1, args.RetryDelay, Upstream.Redact(UpstreamOutcome.Describe(args.Outcome)));
                    return default;
                },
            };
            if (randomizer is not null)
            {
                retry.Randomizer = randomizer;
            }

            builder.AddRetry(retry);
        }

        // 2. Circuit breaker
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = _options.FailureRatio,
            MinimumThroughput = _options.MinimumThroughput,
            SamplingDuration = _options.SamplingDuration,
            BreakDuration = _options.BreakDuration,
            StateProvider = _circuit,
            ShouldHandle = args => ValueTask.FromResult(UpstreamOutcome.IsFailure(args.Outcome, args.Context.CancellationToken) || AbandonedProbe(args.Outcome, args.Context)),
            OnOpened = args =>
            {
                var reason = Upstream.Redact(UpstreamOutcome.Describe(args.Outcome));
                _openedBecause = reason;
                LogOpened(_logger, Upstream.Name, args.BreakDuration, reason);
                return default;
            },
            OnHalfOpened = _ =>
            {
                LogHalfOpened(_logger, Upstream.Name);
                return default;
            },
            OnClosed = _ =>
            {
                LogClosed(_logger, Upstream.Name);
                return default;
            },
        });

        // 3. Timeout
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = upstreamTimeout });
        return builder.Build();
    }

    /// <summary>
    /// A probe the client gave up on proves nothing, and an upstream that is still silent looks exactly like that:
    /// it keeps the circuit open (counting as a success would close it). Outside a probe, a client leaving is not a failure.
    /// </summary>
    private bool AbandonedProbe(Outcome<object> outcome, ResilienceContext context) =>
        outcome.Exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested && Circuit == CircuitState.HalfOpen;

    /// <summary>
    /// Whether to try again: only idempotent requests, within the retry budget, after a connection failure or a 5xx;
    /// a 429 or 503 only when its Retry-After fits <see cref="ResilienceOptions.MaxRetryDelay"/> and the budget (its wait
    /// is then remembered for the delay). Timeouts and an open circuit are never retried.
    /// </summary>
    private bool ShouldRetry(Outcome<object> outcome, ResilienceContext context)
    {
        context.Properties.Set(RetryAfterKey, null);
        if (!context.Properties.GetValue(IdempotentKey, false) || context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var elapsed = _time.GetElapsedTime(context.Properties.GetValue(StartedKey, 0L));
        if (elapsed >= _options.RetryBudget)
        {
            return false;
        }

        if (outcome.Exception is { } exception)
        {
            return exception is not TimeoutRejectedException && UpstreamOutcome.IsFailure(exception, context.CancellationToken);
        }

        var status = UpstreamOutcome.Status(outcome.Result);
        if (status is 429 or 503 && RetryAfter.Of(UpstreamOutcome.RetryAfterHeader(outcome.Result), _time) is { } wait)
        {
            if (wait > _options.MaxRetryDelay || elapsed + wait > _options.RetryBudget)
            {
                // Longer than we may hold the client: the 429/503 goes to it, Retry-After included.
                return false;
            }

            context.Properties.Set(RetryAfterKey, wait);
            return true;
        }

        return status is { } s && s != 429 && UpstreamOutcome.IsServerFailure(s);
    }
}
