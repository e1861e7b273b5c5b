using System.Net.Http.Headers;
using Edge.RegistryProxy.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Resilience;

public sealed class RetryAfterTests
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("7", 7)]
    [InlineData("0", 0)]
    [InlineData("Thu, 01 Jan 2026 12:00:30 GMT", 30)]
    [InlineData("Thu, 01 Jan 2026 11:59:00 GMT", 0)]
    public void Of_SecondsOrDate_WaitFromNow(string header, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfter.Of(RetryConditionHeaderValue.Parse(header), Time));
    }

    [Fact]
    public void Of_NoHeader_Null()
    {
        Assert.Null(RetryAfter.Of(null, Time));
    }

    [Theory]
    [InlineData(0, "1")]
    [InlineData(0.2, "1")]
    [InlineData(29.1, "30")]
    public void Seconds_RoundsUpToAtLeastOne(double seconds, string expected)
    {
        Assert.Equal(expected, RetryAfter.Seconds(TimeSpan.FromSeconds(seconds)));
    }
}
