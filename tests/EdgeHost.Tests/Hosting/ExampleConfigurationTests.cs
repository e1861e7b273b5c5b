using Edge.Host.Hosting;

namespace Edge.Host.Tests.Hosting;

/// <summary>The example files in the repository root pass the same validation as a user's file.</summary>
public sealed class ExampleConfigurationTests
{
    private static string RepositoryFile(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        for (var i = 0; i < 10 && directory is not null; i++, directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, name);
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public async Task RelayExample_Builds()
    {
        await using var app = RelayApplication.Build(RepositoryFile("relay.example.yaml"), ["--urls=http://127.0.0.1:0"]);
        Assert.NotNull(app);
    }

    [Fact]
    public async Task EdgeExample_Builds()
    {
        using var data = new Edge.Tests.Shared.TempDirectory();
        await using var app = EdgeApplication.Build(RepositoryFile("edge.example.yaml"), ["--urls=http://127.0.0.1:0", $"--Edge:DataDirectory={data.Path}"]);
        Assert.NotNull(app);
    }
}
