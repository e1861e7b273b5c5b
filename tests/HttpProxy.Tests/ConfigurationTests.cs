using Edge.Host.Hosting;
using Edge.HttpProxy.Tests.Infrastructure;

namespace Edge.HttpProxy.Tests;

public sealed class ConfigurationTests
{
    private static List<string> Errors(HttpProxyOptions options)
    {
        var errors = new List<string>();
        var origin = OriginTarget.Create(options, errors);
        Assert.Equal(errors.Count == 0, origin is not null);
        return errors;
    }

    [Theory]
    [InlineData("http://127.0.0.1:3000")]
    [InlineData("http://127.0.0.1:3000/")]
    [InlineData("https://app.internal")]
    [InlineData("http://[::1]:8080")]
    public void Create_ValidOrigin_NoErrors(string origin) => Assert.Empty(Errors(new HttpProxyOptions { Origin = origin }));

    [Theory]
    [InlineData(null, "Origin is required")]
    [InlineData(" ", "Origin is required")]
    [InlineData("127.0.0.1:3000", "not an absolute URL")]
    [InlineData("localhost", "not an absolute URL")]
    [InlineData("ftp://files.internal", "only http and https")]
    [InlineData("http://127.0.0.1:3000/app", "must not have a path, query or fragment")]
    [InlineData("http://127.0.0.1:3000/?a=1", "must not have a path, query or fragment")]
    [InlineData("http://user:pass@127.0.0.1:3000", "must not contain credentials")]
    public void Create_BadOrigin_SaysWhy(string? origin, string expected) =>
        Assert.Contains(expected, Assert.Single(Errors(new HttpProxyOptions { Origin = origin })), StringComparison.Ordinal);

    [Theory]
    [InlineData("app.internal", true)]
    [InlineData("app.internal:8080", true)]
    [InlineData("10.0.0.5:80", true)]
    [InlineData("[::1]:8080", true)]
    [InlineData("app internal", false)]
    [InlineData("app.internal:0", false)]
    [InlineData("app.internal:99999", false)]
    [InlineData("app.internal:http", false)]
    [InlineData("a:b:c", false)]
    [InlineData("", false)]
    public void Create_HostHeader_ValidatedAsHostAndPort(string host, bool valid) =>
        Assert.Equal(valid, Errors(new HttpProxyOptions { Origin = "http://127.0.0.1:3000", HostHeader = host }).Count == 0);

    [Fact]
    public void Create_EveryProblem_ReportedTogether()
    {
        var errors = Errors(new HttpProxyOptions
        {
            Origin = "https://x/app",
            HostHeader = "bad host",
            ResponseTimeout = TimeSpan.Zero,
            H2c = true,
        });

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("H2c applies to http:// origins only", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_HttpProxyWithBadVars_HostReportsEachUnderTheFunctionsVars()
    {
        var directory = ProxyHost.NewDirectory();
        try
        {
            var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], ProxyHost.Settings(
                directory,
                "http://127.0.0.1:3000/app",
                ("HostHeader", "a b"),
                ("ResponseTimeout", "-00:00:01"))));

            Assert.Equal(3, ex.Errors.Count);
            Assert.All(ex.Errors, e => Assert.StartsWith("Functions:web:Vars: ", e, StringComparison.Ordinal));
            Assert.Contains(ex.Errors, e => e.Contains("'http://127.0.0.1:3000/app' must not have a path", StringComparison.Ordinal));
            Assert.Contains(ex.Errors, e => e.Contains("HostHeader 'a b'", StringComparison.Ordinal));
            Assert.Contains(ex.Errors, e => e.Contains("ResponseTimeout must be positive", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Build_ResponseTimeoutNotADuration_SaysWhichKey()
    {
        var directory = ProxyHost.NewDirectory();
        try
        {
            var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], ProxyHost.Settings(
                directory,
                "http://127.0.0.1:3000",
                ("ResponseTimeout", "soon"))));

            var error = Assert.Single(ex.Errors);
            Assert.Contains("ResponseTimeout", error, StringComparison.Ordinal);
            Assert.Contains("soon", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
