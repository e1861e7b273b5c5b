using Edge.Functions;
using Edge.IntegrationTests.Infrastructure;
using Edge.IntegrationTests.Proxy;

namespace Edge.IntegrationTests.Sdk;

/// <summary>
/// The SDK package the build packs (artifacts/packages/Edge.Functions.VERSION.nupkg) as a function author uses it: a
/// fresh project outside the repository restores it from a local feed alone (no other source, an empty package cache)
/// and builds a handler against it with the real dotnet CLI.
/// </summary>
public sealed class SdkPackageTests
{
    private const string Handler = """
        using Edge.Functions;
        using Microsoft.AspNetCore.Http;

        public sealed class Hello : IFetchHandler, IScheduledHandler, IFunctionLifecycle
        {
            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                ValueTask.FromResult(Results.Text($"Hello from {env.FunctionName}, {ctx.Client.Address}"));

            public ValueTask ScheduledAsync(ScheduledEvent scheduled, IEdgeEnv env, IExecutionContext ctx)
            {
                ctx.WaitUntil(token => env.KeyValue("state").PutAsync("last", System.Text.Encoding.UTF8.GetBytes(scheduled.ScheduledTime.ToString("O")), cancellationToken: token).AsTask());
                return ValueTask.CompletedTask;
            }

            public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

            public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        }
        """;

    [Fact]
    public async Task Package_RestoredFromALocalFeedAlone_BuildsAHandler()
    {
        var version = typeof(IFetchHandler).Assembly.GetName().Version!.ToString(3);
        var feed = Path.Combine(RepositoryRoot.Find(), "artifacts", "packages");
        var package = Path.Combine(feed, $"Edge.Functions.{version}.nupkg");
        Assert.True(File.Exists(package), $"The build did not pack the SDK: {package} is missing.");

        using var dir = new TempDirectory("edge-sdk-");
        var project = Path.Combine(dir.Path, "hello");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "hello.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Edge.Functions" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Hello.cs"), Handler);
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="edge" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var environment = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = Path.Combine(dir.Path, "packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };

        var build = await CommandRunner.RunAsync("dotnet", ["build", project, "-c", "Release", "-nologo"], TimeSpan.FromMinutes(5), environment);

        Assert.True(build.Succeeded, build.Describe());
        Assert.True(File.Exists(Path.Combine(project, "bin", "Release", "net10.0", "hello.dll")), build.Describe());
        Assert.True(File.Exists(Path.Combine(dir.Path, "packages", "edge.functions", version, "lib", "net10.0", "Edge.Functions.xml")), "the package carries no XML documentation");
    }
}
