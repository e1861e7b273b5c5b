using System.Net;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Host.Tests.Hosting;

public sealed class AccessApplicationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Access:RelayUri"] = "http://127.0.0.1:1",
            ["Access:Hostname"] = "db.internal.test",
            ["Access:Listen"] = "127.0.0.1:0",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static string? NoEnvironment(string name) => null;

    [Fact]
    public void Build_SeveralProblems_ReportsAllAtOnce()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => AccessApplication.Build(null, [], Settings(
            ("Access:RelayUri", "ftp://relay.test"),
            ("Access:Hostname", "db.internal.test:5432"),
            ("Access:Listen", "0.0.0.0:8081"),
            ("urls", "http://127.0.0.1:9000")), NoEnvironment));

        Assert.Equal(
        [
            "Access: no access token; give it with --token-file PATH, the EDGE_ACCESS_TOKEN environment variable or Access:Token in the --config file.",
            "Access:RelayUri must be an absolute http:// or https:// URI (--relay URL)",
            "Access:Hostname 'db.internal.test:5432' must be a host name without port, path or wildcard (--hostname HOST)",
            "Access:Listen: '0.0.0.0:8081' must have a loopback HOST (127.0.0.1, [::1] or localhost): whoever connects to it uses the access token",
            "urls: edge access listens on Access:Listen (--listen HOST:PORT), not urls.",
        ],
        ex.Errors);
    }

    [Theory]
    [InlineData("127.0.0.1:8081", null)]
    [InlineData("127.0.0.1:0", null)]
    [InlineData("[::1]:8081", null)]
    [InlineData("localhost:8081", null)]
    [InlineData("localhost:0", "localhost needs a fixed port")]
    [InlineData("127.0.0.1", "must be HOST:PORT")]
    [InlineData("127.0.0.1:70000", "must be HOST:PORT")]
    [InlineData("http://127.0.0.1:8081", "must have a loopback HOST")]
    [InlineData("::1:8081", "must have a loopback HOST")]
    [InlineData("192.168.1.5:8081", "must have a loopback HOST")]
    [InlineData("*:8081", "must have a loopback HOST")]
    public void ParseListen_LoopbackOnly(string text, string? error)
    {
        var errors = new List<string>();

        var address = AccessApplication.ParseListen(text, errors);

        if (error is null)
        {
            Assert.Empty(errors);
            Assert.NotNull(address);
        }
        else
        {
            Assert.Null(address);
            Assert.Contains(error, Assert.Single(errors), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Build_TokenSources_FileThenEnvironmentThenConfiguration()
    {
        var file = _dir.Combine("token");
        File.WriteAllText(file, "token-from-file\n");

        static string Token(WebApplication app) =>
            app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Edge.Tunnel.Access.TunnelAccessOptions>>().Value.Token;

        await using var fromFile = AccessApplication.Build(null, [], Settings(("Access:TokenFile", file), ("Access:Token", "token-from-config")), _ => "token-from-env");
        await using var fromEnvironment = AccessApplication.Build(null, [], Settings(("Access:Token", "token-from-config")), name => name == "EDGE_ACCESS_TOKEN" ? "token-from-env" : null);
        await using var fromConfiguration = AccessApplication.Build(null, [], Settings(("Access:Token", "token-from-config")), NoEnvironment);

        Assert.Equal("token-from-file", Token(fromFile));
        Assert.Equal("token-from-env", Token(fromEnvironment));
        Assert.Equal("token-from-config", Token(fromConfiguration));
    }

    [Fact]
    public void Build_UnreadableOrEmptyTokenFile_ReportedWithoutOtherTokenErrors()
    {
        var empty = _dir.Combine("empty");
        File.WriteAllText(empty, "\n");

        var missing = Assert.Throws<EdgeConfigurationException>(() => AccessApplication.Build(null, [], Settings(("Access:TokenFile", _dir.Combine("nope"))), NoEnvironment));
        var blank = Assert.Throws<EdgeConfigurationException>(() => AccessApplication.Build(null, [], Settings(("Access:TokenFile", empty)), NoEnvironment));

        Assert.StartsWith($"Access:TokenFile: '{_dir.Combine("nope")}' could not be read: ", Assert.Single(missing.Errors), StringComparison.Ordinal);
        Assert.Equal($"Access:TokenFile: '{empty}' is empty.", Assert.Single(blank.Errors));
    }

    [Fact]
    public async Task Run_HealthAnsweredLocallyAndRelayDownIs502()
    {
        await using var app = AccessApplication.Build(null, [], Settings(("Access:Token", "some-token-value")), NoEnvironment);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        using var health = await client.GetAsync(new Uri("/_edge/health", UriKind.Relative));
        using var forwarded = await client.GetAsync(new Uri("/v2/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, forwarded.StatusCode);
        Assert.Equal("Bad gateway: the relay http://127.0.0.1:1 refused the connection.\n", await forwarded.Content.ReadAsStringAsync());
        await app.StopAsync();
    }
}
