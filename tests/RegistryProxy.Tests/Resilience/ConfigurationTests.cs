using Edge.Functions;

namespace Edge.RegistryProxy.Tests.Resilience;

public sealed class ConfigurationTests
{
    [Fact]
    public void Constructor_ResilienceSettingsInvalid_EveryProblemReportedAtOnce()
    {
        using var env = new TestEnv(new Dictionary<string, string?>
        {
            ["Resilience:FailureRatio"] = "0",
            ["Resilience:MinimumThroughput"] = "1",
            ["Resilience:SamplingDuration"] = "00:00:10",
            ["Resilience:BreakDuration"] = "00:00:00.1",
            ["Resilience:RetryAttempts"] = "11",
            ["Resilience:RetryDelay"] = "00:00:10",
            ["Resilience:RetryBudget"] = "-00:00:01",
        });

        var ex = Assert.Throws<FunctionConfigurationException>(() => new RegistryProxyHandler(env));

        Assert.Equal(
            [
                "Resilience:FailureRatio must be greater than 0 and at most 1.",
                "Resilience:MinimumThroughput must be at least 2.",
                "Resilience:SamplingDuration must be at least UpstreamTimeout, or requests that time out could never add up to open the circuit.",
                "Resilience:BreakDuration must be between 500 ms and 1 day.",
                "Resilience:RetryAttempts must be between 0 and 10.",
                "Resilience:RetryDelay must not be greater than MaxRetryDelay.",
                "Resilience:RetryBudget must be between 0 and 10 minutes.",
            ],
            ex.Errors);
    }

    [Fact]
    public void Constructor_Defaults_Valid()
    {
        using var env = new TestEnv(new Dictionary<string, string?>());

        var handler = new RegistryProxyHandler(env);

        Assert.NotNull(handler);
        Assert.Empty(env.ProxiesAskedFor);
    }

    [Fact]
    public void Constructor_ProxyConfigured_AskedForThatUpstreamOnly()
    {
        using var proxied = new HttpMessageInvoker(new ScriptedHandler());
        using var env = new TestEnv(
            new Dictionary<string, string?> { ["Upstreams:ghcr:Proxy"] = "socks5://edge:pa%40ss@127.0.0.1:1080" },
            _ => proxied);

        _ = new RegistryProxyHandler(env);

        Assert.Equal([new Uri("socks5://edge:pa%40ss@127.0.0.1:1080")], env.ProxiesAskedFor);
    }

    [Fact]
    public void Constructor_ProxyNotAnAbsoluteUrl_ErrorNamesTheKeyNeverTheValue()
    {
        using var env = new TestEnv(new Dictionary<string, string?> { ["Upstreams:ghcr:Proxy"] = "edge:s3cret-pw@127.0.0.1:1080" });

        var ex = Assert.Throws<FunctionConfigurationException>(() => new RegistryProxyHandler(env));

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("Upstreams:ghcr:Proxy is not an absolute URL with a host; expected socks5://", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EnvironmentRejectsTheProxy_ErrorNamesTheKeyWithTheEnvironmentsReason()
    {
        using var env = new TestEnv(
            new Dictionary<string, string?> { ["Upstreams:ghcr:Proxy"] = "ftp://edge:s3cret-pw@127.0.0.1:21" },
            _ => throw new ArgumentException("The proxy 'ftp://127.0.0.1:21' must use http:// or socks5://."));

        var ex = Assert.Throws<FunctionConfigurationException>(() => new RegistryProxyHandler(env));

        Assert.Equal(["Upstreams:ghcr:Proxy: The proxy 'ftp://127.0.0.1:21' must use http:// or socks5://."], ex.Errors);
    }

    [Fact]
    public void Constructor_EnvironmentWithoutProxySupport_ConfigurationError()
    {
        using var env = new TestEnv(new Dictionary<string, string?> { ["Upstreams:ghcr:Proxy"] = "socks5://127.0.0.1:1080" });

        var ex = Assert.Throws<FunctionConfigurationException>(() => new RegistryProxyHandler(env));

        Assert.Equal(["Upstreams:ghcr:Proxy: no proxies here"], ex.Errors);
    }
}
