using Edge.Functions;
using Edge.Host.Hosting;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Tests.Hosting;

public class RouteTableTests
{
    private sealed class NamedHandler : IFetchHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) => ValueTask.FromResult(Results.Empty);
    }

    private static FunctionInstance Function(string name) => new(name, new NamedHandler(), null!, null);

    private static RouteTable Table(params (string Pattern, string Function)[] routes) =>
        new(routes.Select(r =>
        {
            Assert.True(RoutePattern.TryParse(r.Pattern, out var pattern, out var error), error);
            return (pattern!, (IRouteTarget)Function(r.Function));
        }));

    [Theory]
    [InlineData("api.example.com", "/v1/x", "exact-path")]
    [InlineData("api.example.com", "/other", "exact-host")]
    [InlineData("www.example.com", "/", "suffix")]
    [InlineData("a.b.example.com", "/", "suffix")]
    [InlineData("example.com", "/", "any")]
    [InlineData("elsewhere.org:5000", "/v2/", "any")]
    [InlineData("API.EXAMPLE.COM:8443", "/other", "exact-host")]
    public void Match_SeveralRoutes_MostSpecificWins(string host, string path, string expected)
    {
        var table = Table(("*", "any"), ("*.example.com", "suffix"), ("api.example.com", "exact-host"), ("api.example.com/v1/*", "exact-path"));

        Assert.Equal(expected, table.Match(host, path)?.Name);
    }

    [Fact]
    public void Match_NoRouteCovers_ReturnsNull()
    {
        var table = Table(("example.com/api/*", "api"));

        Assert.Null(table.Match("example.com", "/web"));
        Assert.Null(table.Match("other.com", "/api/x"));
    }

    [Theory]
    [InlineData("example.com/api/*", "/api", true)]
    [InlineData("example.com/api/*", "/api/", true)]
    [InlineData("example.com/api/*", "/api/v1/x", true)]
    [InlineData("example.com/api/*", "/apix", false)]
    [InlineData("example.com/api*", "/api", true)]
    [InlineData("example.com/api*", "/api/x", true)]
    [InlineData("example.com/api*", "/apix", false)]
    [InlineData("example.com/api*", "/ap", false)]
    [InlineData("example.com/*", "/anything", true)]
    public void Match_PathPrefix_OnSegmentBoundaries(string pattern, string path, bool matches)
    {
        var table = Table((pattern, "api"));

        Assert.Equal(matches, table.Match("example.com", path) is not null);
    }

    [Fact]
    public void Match_ExactPathWithoutStar_MatchesOnlyThatPath()
    {
        var table = Table(("example.com/health", "health"));

        Assert.Equal("health", table.Match("example.com", "/health")?.Name);
        Assert.Null(table.Match("example.com", "/health/x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("exa*mple.com")]
    [InlineData("example.com/a*b")]
    [InlineData("*.")]
    [InlineData("bad host/")]
    public void TryParse_InvalidPattern_ReportsError(string text)
    {
        Assert.False(RoutePattern.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
