using System.Net;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Deploy;

/// <summary>
/// Functions deployed to a real <c>edge serve</c> with the real <c>edge</c> CLI: one C# file compiled by the host,
/// versions, rollback, secrets, restart, delete, and the refusals that must change nothing.
/// </summary>
public sealed class DeployTests : IAsyncLifetime, IDisposable
{
    private const string Token = "deploy-admin-token-0123456789abcdef";

    private readonly TempDirectory _code = new("edge-fn-");
    private EdgeProcess _host = null!;
    private EdgeCli _cli = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await EdgeProcess.Create().WithSetting("Edge:AdminToken", Token).StartAsync();
        _cli = new EdgeCli(_host, Token);
        _http = new HttpClient { BaseAddress = new Uri(_host.Url) };
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    public void Dispose()
    {
        _http.Dispose();
        _code.Dispose();
    }

    [Fact]
    public async Task Deploy_SourceFile_ServesAndEveryLaterStepWorks()
    {
        var file = WriteFunction("hello", Handler("v1"), "hello.example.com");

        var deployed = await _cli.RunAsync("deploy", file, "--isolation", "in-process");

        Assert.True(deployed.Succeeded, deployed.Describe());
        Assert.Contains("'hello' v1 serves.", deployed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("v1 says hi to hello.example.com", await GetAsync("hello.example.com"));

        // A second version replaces it; the registry still answers its own routes beside it.
        await File.WriteAllTextAsync(file, Handler("v2"));
        Assert.True((await _cli.RunAsync("deploy", file, "--isolation", "in-process", "--message", "second")).Succeeded);
        Assert.Equal("v2 says hi to hello.example.com", await GetAsync("hello.example.com"));
        using (var registry = await _http.GetAsync(new Uri("/v2/", UriKind.Relative)))
        {
            Assert.Equal("registry/2.0", registry.Headers.GetValues("Docker-Distribution-API-Version").Single());
        }

        var versions = await _cli.RunAsync("versions", "hello");
        Assert.True(versions.Succeeded, versions.Describe());
        Assert.Matches(@"v2 .* current .*second", versions.StandardOutput);
        Assert.Contains("v1 ", versions.StandardOutput, StringComparison.Ordinal);

        // Rollback to the previous version, then forward again by number.
        Assert.True((await _cli.RunAsync("rollback", "hello")).Succeeded);
        Assert.Equal("v1 says hi to hello.example.com", await GetAsync("hello.example.com"));
        Assert.True((await _cli.RunAsync("rollback", "hello", "v2")).Succeeded);
        Assert.Equal("v2 says hi to hello.example.com", await GetAsync("hello.example.com"));

        // A secret makes a new version; its value never shows in the CLI's listings, the host's log or a response.
        var put = await _cli.RunWithInputAsync("s3cr3t-value\n", "secret", "put", "hello", "API_TOKEN");
        Assert.True(put.Succeeded, put.Describe());
        Assert.Contains("v3", put.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("v2 says hi to hello.example.com (secret: 12 chars)", await GetAsync("hello.example.com"));
        var secretNames = await _cli.RunAsync("secret", "list", "hello");
        Assert.Equal("API_TOKEN", secretNames.StandardOutput.Trim());
        var afterSecret = await _cli.RunAsync("versions", "hello", "--json");
        Assert.DoesNotContain("s3cr3t-value", afterSecret.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("API_TOKEN", afterSecret.StandardOutput, StringComparison.Ordinal);

        // The deployment survives a restart and serves as soon as the host is up.
        await _host.StopAsync();
        await _host.StartAsync();

        // Every retired version left memory (the host awaits retirements before it stops).
        Assert.Contains("Function hello version v1 unloaded after", _host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("did not unload", _host.Output, StringComparison.Ordinal);

        // The route table printed at start shows the deployed function beside the configured ones.
        Assert.Contains("Route hello.example.com -> hello", _host.Output, StringComparison.Ordinal);
        Assert.Contains("Route * -> registry", _host.Output, StringComparison.Ordinal);
        Assert.Equal("v2 says hi to hello.example.com (secret: 12 chars)", await GetAsync("hello.example.com"));
        var list = await _cli.RunAsync("list");
        Assert.Matches(@"hello\s+deployed\s+running\s+v3", list.StandardOutput);

        // Delete: its routes go back to what else matches (the registry).
        Assert.True((await _cli.RunAsync("delete", "hello")).Succeeded);
        using (var gone = await SendAsync("hello.example.com"))
        {
            Assert.False(gone.Headers.Contains("Edge-Function-Version"));
        }

        Assert.DoesNotContain("s3cr3t-value", _host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, _host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_CompileError_ReportedAsTheCompilerWritesItAndNothingChanges()
    {
        var file = WriteFunction("calc", Handler("v1"), "calc.example.com");
        Assert.True((await _cli.RunAsync("deploy", file, "--isolation", "in-process")).Succeeded);
        await File.WriteAllTextAsync(file, """
            public sealed class Broken : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(y));
            }
            """);

        var broken = await _cli.RunAsync("deploy", file, "--isolation", "in-process");

        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("calc.cs(4,43): error CS0103: The name 'y' does not exist in the current context", broken.StandardError, StringComparison.Ordinal);
        Assert.Equal("v1 says hi to calc.example.com", await GetAsync("calc.example.com"));
        var versions = await _cli.RunAsync("versions", "calc", "--json");
        Assert.DoesNotContain("\"v2\"", versions.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_ConstructorThrows_RefusedWithTheReasonAndNothingChanges()
    {
        var file = WriteFunction("boot", Handler("v1"), "boot.example.com");
        Assert.True((await _cli.RunAsync("deploy", file, "--isolation", "in-process")).Succeeded);
        await File.WriteAllTextAsync(file, """
            public sealed class Boot : IFetchHandler
            {
                public Boot(IEdgeEnv env) => throw new FunctionConfigurationException(["Vars:DATABASE_URL is required."]);

                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) => ValueTask.FromResult(Results.Ok());
            }
            """);

        var refused = await _cli.RunAsync("deploy", file, "--isolation", "in-process");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("did not start; nothing changed.", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("Vars:DATABASE_URL is required.", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal("v1 says hi to boot.example.com", await GetAsync("boot.example.com"));
    }

    [Fact]
    public async Task Deploy_RouteOfAnotherFunction_Conflict()
    {
        Assert.True((await _cli.RunAsync("deploy", WriteFunction("first", Handler("v1"), "shared.example.com"), "--isolation", "in-process")).Succeeded);

        var second = await _cli.RunAsync("deploy", WriteFunction("second", Handler("v1"), "shared.example.com"), "--isolation", "in-process");

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("409", second.StandardError, StringComparison.Ordinal);
        Assert.Contains("already served by function 'first'", second.StandardError, StringComparison.Ordinal);
        Assert.Equal("v1 says hi to shared.example.com", await GetAsync("shared.example.com"));
    }

    [Fact]
    public async Task Cli_TokenMissingOrOnTheCommandLine_Refused()
    {
        var file = WriteFunction("nope", Handler("v1"), "nope.example.com");

        var noToken = await new EdgeCli(_host, null).RunAsync("deploy", file, "--isolation", "in-process");
        var onArgv = await _cli.RunAsync("deploy", file, "--token", Token);

        Assert.Equal(1, noToken.ExitCode);
        Assert.Contains("401", noToken.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, onArgv.ExitCode);
        Assert.Contains("never taken from the command line", onArgv.StandardError, StringComparison.Ordinal);
        using var response = await SendAsync("nope.example.com");
        Assert.False(response.Headers.Contains("Edge-Function-Version"), "a refused deploy was served");
    }

    [Fact]
    public async Task Deploy_UnderSteadyLoad_NoRequestFails()
    {
        var file = WriteFunction("steady", Handler("v1"), "steady.example.com");
        Assert.True((await _cli.RunAsync("deploy", file, "--isolation", "in-process")).Succeeded);
        await File.WriteAllTextAsync(file, Handler("v2"));
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sawV2 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task LoadAsync()
        {
            for (var i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                using var response = await SendAsync("steady.example.com");
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {body}");
                    continue;
                }

                var version = body[..2];
                seen.AddOrUpdate(version, 1, (_, n) => n + 1);
                if (version == "v2" && seen[version] >= 200)
                {
                    sawV2.TrySetResult();
                }
            }
        }

        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(LoadAsync)).ToArray();
        var deployed = await _cli.RunAsync("deploy", file, "--isolation", "in-process");
        await sawV2.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(deployed.Succeeded, deployed.Describe());
        Assert.Empty(failures);
        Assert.True(seen.GetValueOrDefault("v1") > 0, "no request reached v1 before the deploy");
        Assert.True(seen["v2"] >= 200);
    }

    [Fact]
    public async Task Deploy_TwoAtOnce_TheSecondGets409AndTheFirstCompletes()
    {
        using var fifos = new TempDirectory("edge-gate-");
        var started = Path.Combine(fifos.Path, "started");
        var gate = Path.Combine(fifos.Path, "gate");
        (await CommandRunner.RunAsync("mkfifo", [started, gate], TimeSpan.FromSeconds(30))).EnsureSuccess();
        var file = WriteFunction("slow", $$"""
            public sealed class Slow : IFetchHandler, IFunctionLifecycle
            {
                public async Task StartAsync(CancellationToken cancellationToken)
                {
                    // Tells the test the deploy is in its start hook, then waits for the test to let it go on.
                    await File.WriteAllTextAsync("{{started}}", "started", cancellationToken);
                    await File.ReadAllTextAsync("{{gate}}", cancellationToken);
                }

                public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) => ValueTask.FromResult(Results.Text("slow"));
            }
            """, "slow.example.com");

        var first = _cli.RunAsync("deploy", file, "--isolation", "in-process");
        Assert.Equal("started", await File.ReadAllTextAsync(started).WaitAsync(TimeSpan.FromMinutes(2)));
        var second = await _cli.RunAsync("deploy", file, "--isolation", "in-process");
        await File.WriteAllTextAsync(gate, "go").WaitAsync(TimeSpan.FromMinutes(1));
        var firstResult = await first;

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("409 Conflict: Another deploy, rollback or change of 'slow' is in progress", second.StandardError, StringComparison.Ordinal);
        Assert.True(firstResult.Succeeded, firstResult.Describe());
        Assert.Equal("slow", await GetAsync("slow.example.com"));
    }

    private string WriteFunction(string name, string source, string host)
    {
        var directory = Path.Combine(_code.Path, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "edge.yaml"), $"""
            name: {name}
            routes:
              - {host}
            vars:
              GREETING: hi
            """);
        var file = Path.Combine(directory, name + ".cs");
        File.WriteAllText(file, source);
        return file;
    }

    private static string Handler(string version) => $$"""
        public sealed class Hello(IEdgeEnv env) : IFetchHandler
        {
            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env2, IFetchContext ctx)
            {
                var secret = env.Secrets.Get("API_TOKEN");
                var suffix = secret is null ? "" : $" (secret: {secret.Length} chars)";
                return ValueTask.FromResult(Results.Text($"{{version}} says {env.Vars["GREETING"]} to {request.Host.Host}{suffix}"));
            }
        }
        """;

    private async Task<string> GetAsync(string host)
    {
        using var response = await SendAsync(host);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    private Task<HttpResponseMessage> SendAsync(string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        return _http.SendAsync(request);
    }
}
