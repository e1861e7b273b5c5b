using Edge.Host.Configuration;
using Edge.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace Edge.Host.Tests.Configuration;

public class YamlConfigurationProviderTests
{
    private static IConfigurationRoot Load(string yaml)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("edge.yaml");
        File.WriteAllText(path, yaml);
        return new ConfigurationBuilder().Add(new YamlConfigurationSource { Path = path, Optional = false }).Build();
    }

    [Fact]
    public void Load_NestedMappingsAndSequences_FlattenLikeJson()
    {
        var config = Load("""
            Edge:
              DataDirectory: /var/lib/edge
              TrustedProxies: [127.0.0.1, "10.0.0.0/8"]
            Registry:
              Upstreams:
                ghcr:
                  Url: https://ghcr.io
                  Hosts:
                    - a.example.com
                    - b.example.com
            """);

        Assert.Equal("/var/lib/edge", config["Edge:DataDirectory"]);
        Assert.Equal("127.0.0.1", config["Edge:TrustedProxies:0"]);
        Assert.Equal("10.0.0.0/8", config["Edge:TrustedProxies:1"]);
        Assert.Equal("https://ghcr.io", config["Registry:Upstreams:ghcr:Url"]);
        Assert.Equal("b.example.com", config["Registry:Upstreams:ghcr:Hosts:1"]);
    }

    [Fact]
    public void Load_NullAndQuotedNull_AreDistinguished()
    {
        var config = Load("""
            A: ~
            B: "null"
            C:
            """);

        Assert.Null(config["A"]);
        Assert.Equal("null", config["B"]);
        Assert.Null(config["C"]);
    }

    [Fact]
    public void Load_InvalidYaml_ThrowsWithLine()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Load("A: b: c\n"));

        var messages = string.Join(" | ", Chain(ex).Select(e => e.Message));
        Assert.True(messages.Contains("line", StringComparison.OrdinalIgnoreCase), messages);
    }

    private static IEnumerable<Exception> Chain(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            yield return ex;
        }
    }

    [Fact]
    public void Load_UnterminatedFlowSequence_ThrowsFormatException()
    {
        var messages = string.Join(" | ", Chain(Assert.ThrowsAny<Exception>(() => Load("A: [1, 2\n"))).Select(e => e.Message));

        Assert.True(messages.Contains("Invalid YAML", StringComparison.Ordinal), messages);
    }

    [Fact]
    public void Load_DuplicateKey_Throws()
    {
        Assert.ThrowsAny<Exception>(() => Load("A: 1\nA: 2\n"));
    }
}
