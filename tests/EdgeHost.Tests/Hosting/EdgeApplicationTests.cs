using System.Net;
using Edge.Functions;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Host.Tests.Hosting;

public sealed class EdgeApplicationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Edge:DataDirectory"] = _dir.Combine("data"),
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    [Fact]
    public void Build_SeveralProblems_ReportsAllAtOnce()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], Settings(
            ("Edge:TrustedProxies:0", "not-an-address"),
            ("Edge:Buckets:cache:Type", "tape"),
            ("Edge:KeyValue:Type", "floppy"))));

        Assert.Equal(3, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e.Contains("not-an-address", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("tape", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("floppy", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_BadFunctionsAndRegistrySettings_ReportsEveryOne()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], Settings(
            ("Functions:site:Handler", "builtin:nope"),
            ("Functions:site:Routes:0", "example.com/a*b"),
            ("Registry:Upstreams:ghcr:Url", "ftp://ghcr.io"),
            ("Registry:DefaultUpstream", "missing"),
            ("Registry:TagTtl", "-00:00:01"))));

        Assert.Contains(ex.Errors, e => e.Contains("builtin:nope", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("ftp://ghcr.io", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("DefaultUpstream", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("TagTtl", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_BadListenAddressAndIncompleteTunnel_ReportsBoth()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], Settings(
            ("urls", "https://example.com:443"),
            ("Edge:Tunnel:RelayUri", "http://127.0.0.1:9"))));

        Assert.Contains(ex.Errors, e => e.StartsWith("urls:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("Edge:Tunnel:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ready_WithoutTunnel_Returns200()
    {
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], Settings()));
        await using (app)
        using (client)
        {
            var response = await client.GetAsync(new Uri("/_edge/ready", UriKind.Relative));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public void Build_MissingConfigFile_SaysWhich()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(_dir.Combine("nope.yaml"), [], Settings()));

        Assert.Contains("nope.yaml", ex.Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_InvalidYamlFile_ReportsLine()
    {
        var path = _dir.Combine("edge.yaml");
        File.WriteAllText(path, "Registry:\n  Domain: a: b\n");

        var ex = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(path, [], Settings()));

        Assert.Contains("line", ex.Errors.Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Build_YamlFileAndCommandLine_CommandLineWins()
    {
        var path = _dir.Combine("edge.yaml");
        File.WriteAllText(path, "Functions:\n  registry:\n    Enabled: false\n  echo:\n    Handler: builtin:echo\n    Routes: ['*']\n    Vars:\n      Greeting: from-file\n");
        var handlers = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>> { ["echo"] = _ => new EchoHandler() };

        var (app, client) = await StartAsync(EdgeApplication.Build(path, ["--Functions:echo:Vars:Greeting=from-cli"], Settings(), handlers));
        await using (app)
        using (client)
        {
            Assert.Equal("from-cli", await client.GetStringAsync(new Uri("/x", UriKind.Relative)));
        }
    }

    [Fact]
    public async Task Dispatch_HandlerThrows_Returns500AndHostKeepsServing()
    {
        var handlers = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>> { ["crash"] = _ => new CrashingHandler() };
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], Settings(
            ("Functions:crash:Handler", "builtin:crash"),
            ("Functions:crash:Routes:0", "*/crash*")), handlers));
        await using (app)
        using (client)
        {
            var crashed = await client.GetAsync(new Uri("/crash", UriKind.Relative));
            var health = await client.GetAsync(new Uri("/_edge/health", UriKind.Relative));
            var registry = await client.GetAsync(new Uri("/v2/Bad/manifests/1", UriKind.Relative));

            var body = await crashed.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.InternalServerError, crashed.StatusCode);
            Assert.Matches(@"^Function 'crash' failed while handling the request \(error id \S+\)\.\n$", body);
            Assert.DoesNotContain("boom", body, StringComparison.Ordinal);
            Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, registry.StatusCode);
        }
    }

    [Fact]
    public async Task Dispatch_FunctionTimeout_Returns504()
    {
        var handlers = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>> { ["slow"] = _ => new SlowHandler() };
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], Settings(
            ("Functions:registry:Enabled", "false"),
            ("Functions:slow:Handler", "builtin:slow"),
            ("Functions:slow:Timeout", "00:00:00.200"),
            ("Functions:slow:Routes:0", "*")), handlers));
        await using (app)
        using (client)
        {
            var response = await client.GetAsync(new Uri("/", UriKind.Relative));

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        }
    }

    [Fact]
    public async Task Dispatch_NoRoute_Returns404WithHost()
    {
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], Settings(("Functions:registry:Routes:0", "registry.example.com"))));
        await using (app)
        using (client)
        {
            var response = await client.GetAsync(new Uri("/v2/", UriKind.Relative));

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("127.0.0.1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Stop_BackgroundWorkPending_ServerStopsAcceptingFirstThenWaitsForTheWork()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlers = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>> { ["later"] = _ => new BackgroundHandler(release.Task) };
        var (app, client) = await StartAsync(EdgeApplication.Build(null, [], Settings(
            ("Functions:registry:Enabled", "false"),
            ("Functions:later:Handler", "builtin:later"),
            ("Functions:later:Routes:0", "*"),
            ("Edge:ShutdownTimeout", "00:01:00")), handlers));
        await using (app)
        using (client)
        {
            Assert.Equal("queued", await client.GetStringAsync(new Uri("/", UriKind.Relative)));
            var port = client.BaseAddress!.Port;

            var stop = app.StopAsync();
            var refused = false;
            for (var i = 0; i < 100 && !refused; i++)
            {
                using var socket = new System.Net.Sockets.TcpClient();
                try
                {
                    await socket.ConnectAsync("127.0.0.1", port);
                    await Task.Delay(50);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    refused = true;
                }
            }

            var stoppedBeforeWork = stop.IsCompleted;
            release.SetResult();
            await stop.WaitAsync(TimeSpan.FromSeconds(30));

            // WebApplication stops the server before other hosted services (BackgroundWork): a download's WaitUntil pump
            // must not keep the host taking requests, or keep its tunnel connections routable, while it finishes.
            Assert.True(refused, "the server kept accepting connections while background work was pending");
            Assert.False(stoppedBeforeWork, "shutdown did not wait for the background work");
        }
    }

    private sealed class BackgroundHandler(Task work) : IFetchHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
        {
            ctx.WaitUntil(work);
            return ValueTask.FromResult(Results.Text("queued"));
        }
    }

    private sealed class EchoHandler : IFetchHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
            ValueTask.FromResult(Results.Text(env.Vars["Greeting"] ?? "unset"));
    }

    private sealed class CrashingHandler : IFetchHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
            throw new InvalidOperationException("boom");
    }

    private sealed class SlowHandler : IFetchHandler
    {
        public async ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.Aborted);
            return Results.Text("late");
        }
    }
}
