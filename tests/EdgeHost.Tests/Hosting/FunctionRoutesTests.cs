using Edge.Functions;
using Edge.Host.Hosting;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Tests.Hosting;

public sealed class FunctionRoutesTests
{
    [Fact]
    public void Set_DeployedFunction_RoutedBesideTheConfiguredOnesAndRemovable()
    {
        var routes = new FunctionRoutes([(Pattern("*"), Instance("registry"))]);
        var before = routes.Table;

        routes.Set("hello", [Pattern("example.com/hello*")], Instance("hello", "v1"));

        Assert.Equal("registry", before.Match("example.com", "/hello")!.Name);
        Assert.Equal("hello", routes.Table.Match("example.com", "/hello/x")!.Name);
        Assert.Equal("registry", routes.Table.Match("example.com", "/v2/")!.Name);

        routes.Remove("hello");

        Assert.Equal("registry", routes.Table.Match("example.com", "/hello")!.Name);
    }

    [Fact]
    public void Set_Again_ReplacesTheFunctionsRoutes()
    {
        var routes = new FunctionRoutes([]);
        routes.Set("hello", [Pattern("a.example.com")], Instance("hello", "v1"));

        routes.Set("hello", [Pattern("b.example.com")], Instance("hello", "v2"));

        Assert.Null(routes.Table.Match("a.example.com", "/"));
        Assert.Equal("v2", routes.Table.Match("b.example.com", "/")!.Pick(new DefaultHttpContext().Request).Version);
    }

    [Theory]
    [InlineData("*", "registry")]
    [InlineData("example.com/api/*", "api")]
    [InlineData("example.com/api*", "api")]
    public void FindConflict_SameRouteAsAnotherFunction_NamesIt(string pattern, string owner)
    {
        var routes = new FunctionRoutes([(Pattern("*"), Instance("registry"))]);
        routes.Set("api", [Pattern("example.com/api/*")], Instance("api", "v1"));

        var conflict = routes.FindConflict("hello", [Pattern(pattern)]);

        Assert.NotNull(conflict);
        Assert.Contains($"function '{owner}'", conflict, StringComparison.Ordinal);
    }

    [Fact]
    public void FindConflict_OwnRoutesOrMoreSpecificOnes_None()
    {
        var routes = new FunctionRoutes([(Pattern("*"), Instance("registry"))]);
        routes.Set("api", [Pattern("example.com/api/*")], Instance("api", "v1"));

        Assert.Null(routes.FindConflict("api", [Pattern("example.com/api/*")]));
        Assert.Null(routes.FindConflict("hello", [Pattern("example.com/api/v2/*"), Pattern("*.example.com")]));
    }

    [Fact]
    public void Pick_Rollout_PinnedByHeaderKeyedConsistentlyAndSplitByPercent()
    {
        var current = Instance("hello", "v1");
        var candidate = Instance("hello", "v2");
        var rollout = new DeployedFunction("hello", current, candidate, 30);

        Assert.Same(candidate, rollout.Pick(Request((DeployedFunction.VersionHeader, "v2"))));
        Assert.Same(current, rollout.Pick(Request((DeployedFunction.VersionHeader, "V1"))));
        var keyed = Enumerable.Range(0, 20).Select(_ => rollout.Pick(Request((DeployedFunction.VersionKeyHeader, "client-42")))).Distinct().ToList();
        Assert.Single(keyed);

        var toCandidate = Enumerable.Range(0, 1000).Count(i => rollout.Pick(Request((DeployedFunction.VersionKeyHeader, "client-" + i))) == candidate);
        Assert.InRange(toCandidate, 240, 360);
    }

    [Fact]
    public void Pick_NoCandidate_AlwaysCurrentEvenWhenAnotherVersionIsAskedFor()
    {
        var current = Instance("hello", "v3");
        var function = new DeployedFunction("hello", current, null, 0);

        Assert.Same(current, function.Pick(Request((DeployedFunction.VersionHeader, "v2"))));
        Assert.Equal(0, function.CandidatePercent);
    }

    [Fact]
    public async Task Activity_WhenIdle_CompletesAfterTheLastRequestEnds()
    {
        var activity = new FunctionActivity();
        Assert.True(activity.WhenIdleAsync(CancellationToken.None).IsCompleted);
        activity.Enter();
        activity.Enter();

        var idle = activity.WhenIdleAsync(CancellationToken.None);
        activity.Exit();
        var stillBusy = idle.IsCompleted;
        activity.Exit();
        await idle.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(stillBusy);
        Assert.Equal(0, activity.InFlight);
    }

    [Fact]
    public async Task Activity_Retired_RefusesNewRequestsAndIdlesWhenTheLastEnds()
    {
        var activity = new FunctionActivity();
        Assert.True(activity.TryEnter());

        activity.Retire();
        var refused = activity.TryEnter();
        var idle = activity.WhenIdleAsync(CancellationToken.None);
        var busy = idle.IsCompleted;
        activity.Exit();
        await idle.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(refused);
        Assert.False(busy);
        Assert.Equal(0, activity.InFlight);
    }

    private static RoutePattern Pattern(string text)
    {
        Assert.True(RoutePattern.TryParse(text, out var pattern, out var error), error);
        return pattern!;
    }

    private static FunctionInstance Instance(string name, string? version = null) =>
        new(name, new NullHandler(), null!, null) { Version = version };

    private static HttpRequest Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    private sealed class NullHandler : IFetchHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) => ValueTask.FromResult(Results.Empty);
    }
}
