using Edge.Host.Cli;

namespace Edge.Host.Tests.Hosting;

public class CommandLineTests
{
    [Fact]
    public void Parse_ServeWithConfigAndOverrides_SeparatesThem()
    {
        var command = CommandLine.Parse(["serve", "--config", "edge.yaml", "--Registry:Domain=example.com", "--urls", "http://127.0.0.1:5000"]);

        Assert.Null(command.Error);
        Assert.Equal("serve", command.Command);
        Assert.Equal("edge.yaml", command.ConfigFile);
        Assert.Equal(["--Registry:Domain=example.com", "--urls", "http://127.0.0.1:5000"], command.Overrides);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("serve", "stray")]
    [InlineData("serve", "--config")]
    public void Parse_BadArguments_ReportsError(params string[] args)
    {
        Assert.NotNull(CommandLine.Parse(args).Error);
    }

    [Fact]
    public void Parse_NoArguments_ShowsHelp()
    {
        Assert.Equal("help", CommandLine.Parse([]).Command);
    }
}
