using Edge.RegistryProxy.Auth;

namespace Edge.RegistryProxy.Tests.Auth;

public class ScopeTests
{
    [Fact]
    public void TryParse_Repository_SplitsParts()
    {
        Assert.True(Scope.TryParse("repository:library/nginx:pull", out var scope));

        Assert.Equal(new Scope("repository", "library/nginx", "pull"), scope);
    }

    [Fact]
    public void TryParse_NameWithPort_KeepsColonInName()
    {
        Assert.True(Scope.TryParse("repository:registry.lan:5000/team/app:pull,push", out var scope));

        Assert.Equal("repository", scope.Type);
        Assert.Equal("registry.lan:5000/team/app", scope.Name);
        Assert.Equal("pull,push", scope.Actions);
    }

    [Fact]
    public void TryParse_Catalog_Parses()
    {
        Assert.True(Scope.TryParse("registry:catalog:*", out var scope));

        Assert.Equal(new Scope("registry", "catalog", "*"), scope);
    }

    [Fact]
    public void TryParse_EmptyActions_Parses()
    {
        Assert.True(Scope.TryParse("repository:a/b:", out var scope));

        Assert.Equal("a/b", scope.Name);
        Assert.Equal("", scope.Actions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("repository")]
    [InlineData("repository:nginx")]
    [InlineData(":nginx:pull")]
    [InlineData("repository::pull")]
    public void TryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(Scope.TryParse(text, out _));
    }

    [Theory]
    [InlineData("repository:library/nginx:pull")]
    [InlineData("repository:localhost:5000/x:pull,push")]
    public void ToString_RoundTrip_SameText(string text)
    {
        Assert.True(Scope.TryParse(text, out var scope));

        Assert.Equal(text, scope.ToString());
    }

    [Fact]
    public void With_NewName_KeepsTypeAndActions()
    {
        Assert.True(Scope.TryParse("repository:library/nginx:pull", out var scope));

        Assert.Equal("repository:nginx:pull", (scope with { Name = "nginx" }).ToString());
    }

    [Fact]
    public void Split_SpaceSeparated_EachScope()
    {
        Assert.Equal(
            ["repository:a:pull", "repository:b/c:pull,push"],
            Scope.Split("  repository:a:pull   repository:b/c:pull,push "));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Split_Empty_NoScopes(string? value)
    {
        Assert.Empty(Scope.Split(value));
    }

    [Fact]
    public void Split_CommaInActions_NotSplit()
    {
        Assert.Equal(["repository:a:pull,push"], Scope.Split("repository:a:pull,push"));
    }
}
