using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Deploy;

/// <summary>The <c>edge</c> CLI as a user runs it (<c>dotnet edge.dll deploy …</c>), against one host.</summary>
internal sealed class EdgeCli(EdgeProcess host, string? token)
{
    public Task<CommandResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public Task<CommandResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        var environment = new Dictionary<string, string?>
        {
            ["EDGE_HOST"] = host.Url,
            ["EDGE_TOKEN"] = token,
            ["EDGE_CONFIG"] = "/nonexistent/edge-cli.yaml",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        return CommandRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "edge.dll"), .. args], TimeSpan.FromMinutes(3), environment, stdin);
    }
}
