using System.Net.Http.Headers;

namespace Edge.RegistryProxy.Resilience;

/// <summary>How long an upstream's <c>Retry-After</c> asks to wait.</summary>
internal static class RetryAfter
{
    /// <summary>
    /// The wait <paramref name="header"/> asks for: delta-seconds as they are, an HTTP date relative to
    /// <paramref name="time"/>'s now (a date in the past is no wait). Null without the header.
    /// </summary>
    public static TimeSpan? Of(RetryConditionHeaderValue? header, TimeProvider time)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>Whole seconds for a <c>Retry-After</c> header we send, at least 1.</summary>
    public static string Seconds(TimeSpan wait) =>
        Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
