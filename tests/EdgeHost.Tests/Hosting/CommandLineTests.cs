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

    [Fact]
    public void Parse_AccessFlags_BecomeAccessKeys()
    {
        var command = CommandLine.Parse(["access", "--relay", "https://relay.example.com", "--hostname=db.internal.example.com", "--listen", "127.0.0.1:9000", "--token-file", "/run/token", "--Logging:LogLevel:Edge=Debug"]);

        Assert.Null(command.Error);
        Assert.Equal("access", command.Command);
        Assert.Equal(
            ["--Access:RelayUri=https://relay.example.com", "--Access:Hostname=db.internal.example.com", "--Access:Listen=127.0.0.1:9000", "--Access:TokenFile=/run/token", "--Logging:LogLevel:Edge=Debug"],
            command.Overrides);
    }

    [Theory]
    [InlineData("--token", "secret")]
    [InlineData("--token=secret")]
    [InlineData("--Access:Token=secret")]
    [InlineData("--access:token", "secret")]
    [InlineData("/Access:Token=secret")]
    public void Parse_AccessTokenOnCommandLine_RefusedWithoutEchoingIt(params string[] tokenArgs)
    {
        var command = CommandLine.Parse(["access", "--relay", "https://relay.example.com", .. tokenArgs]);

        Assert.NotNull(command.Error);
        Assert.Contains("--token-file", command.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", command.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AccessFlagWithoutValue_ReportsIt()
    {
        Assert.Equal("--relay needs a value.", CommandLine.Parse(["access", "--relay"]).Error);
        Assert.Equal("--hostname needs a value.", CommandLine.Parse(["access", "--hostname", "--relay", "x"]).Error);
    }

    [Fact]
    public void Usage_ListsAccess()
    {
        Assert.Contains("edge access --relay URL --hostname HOST", CommandLine.Usage, StringComparison.Ordinal);
    }
}
