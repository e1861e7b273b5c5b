using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Tests.Routing;

public class RegistryNamesTests
{
    [Theory]
    [InlineData("nginx")]
    [InlineData("library/nginx")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("my.org/sub_team/app__x/v-1")]
    [InlineData("a--b")]
    public void IsValidRepository_SpecGrammar_True(string name)
    {
        Assert.True(RegistryNames.IsValidRepository(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Nginx")]
    [InlineData("a/")]
    [InlineData("/a")]
    [InlineData("a//b")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/../b")]
    [InlineData("a.-b")]
    [InlineData("a___b")]
    [InlineData("a:b")]
    [InlineData("nginx\n")]
    [InlineData("library/nginx\r\n")]
    [InlineData("nginx ")]
    public void IsValidRepository_OutsideGrammar_False(string name)
    {
        Assert.False(RegistryNames.IsValidRepository(name));
    }

    [Fact]
    public void IsValidRepository_LengthLimit_Enforced()
    {
        Assert.True(RegistryNames.IsValidRepository(new string('a', RegistryNames.MaxNameLength)));
        Assert.False(RegistryNames.IsValidRepository(new string('a', RegistryNames.MaxNameLength + 1)));
    }

    [Theory]
    [InlineData("latest", true)]
    [InlineData("_x", true)]
    [InlineData("v1.2.3-RC_1", true)]
    [InlineData(".x", false)]
    [InlineData("-x", false)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a:b", false)]
    [InlineData("latest\n", false)]
    public void IsValidTag_Grammar_Expected(string tag, bool valid)
    {
        Assert.Equal(valid, RegistryNames.IsValidTag(tag));
    }

    [Fact]
    public void IsValidTag_LengthLimit_128()
    {
        Assert.True(RegistryNames.IsValidTag(new string('a', 128)));
        Assert.False(RegistryNames.IsValidTag(new string('a', 129)));
    }

    [Theory]
    [InlineData("ghcr.io", true)]
    [InlineData("localhost", true)]
    [InlineData("host:5000", true)]
    [InlineData("library", false)]
    [InlineData("owner", false)]
    public void LooksLikeRegistryHost_DockerRule_Expected(string component, bool expected)
    {
        Assert.Equal(expected, RegistryNames.LooksLikeRegistryHost(component));
    }

    [Theory]
    [InlineData("ghcr.io", true)]
    [InlineData("localhost", true)]
    [InlineData("registry.lan:5000", true)]
    [InlineData("Registry.Example.ORG", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("a-b.c-d.io", true)]
    [InlineData("..", false)]
    [InlineData(".hidden", false)]
    [InlineData("a..b", false)]
    [InlineData("-a.io", false)]
    [InlineData("a-.io", false)]
    [InlineData("host:port", false)]
    [InlineData("c:\\windows", false)]
    [InlineData("ghcr.io\n", false)]
    [InlineData("", false)]
    public void IsValidRegistryHost_DockerDomainGrammar_Expected(string component, bool expected)
    {
        Assert.Equal(expected, RegistryNames.IsValidRegistryHost(component));
    }
}
