using Edge.RegistryProxy.Auth;

namespace Edge.RegistryProxy.Tests.Auth;

public class AuthChallengeTests
{
    private const string DockerHub = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/nginx:pull\"";

    private static AuthChallenge ParseOk(string header)
    {
        var challenge = AuthChallenge.Parse(header);
        Assert.NotNull(challenge);
        return challenge;
    }

    [Fact]
    public void Parse_DockerHubHeader_ReadsRealmServiceScope()
    {
        var challenge = ParseOk(DockerHub);

        Assert.True(challenge.IsBearer);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal("repository:library/nginx:pull", challenge.Scope);
        Assert.Equal(3, challenge.Parameters.Count);
    }

    [Fact]
    public void Parse_QuotedScopeWithComma_KeepsWholeValue()
    {
        var challenge = ParseOk("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:a/b:pull,push\"");

        Assert.Equal("repository:a/b:pull,push", challenge.Scope);
        Assert.Equal("ghcr.io", challenge.Service);
        Assert.Equal(3, challenge.Parameters.Count);
    }

    [Fact]
    public void Parse_QuotedScopeWithCommaFirst_FollowingParametersStillRead()
    {
        var challenge = ParseOk("Bearer scope=\"repository:a/b:pull,push\",realm=\"https://quay.io/v2/auth\",service=\"quay.io\"");

        Assert.Equal("repository:a/b:pull,push", challenge.Scope);
        Assert.Equal("https://quay.io/v2/auth", challenge.Realm);
        Assert.Equal("quay.io", challenge.Service);
    }

    [Fact]
    public void Parse_MultipleScopesSpaceSeparated_KeptTogether()
    {
        var challenge = ParseOk("Bearer realm=\"r\",scope=\"repository:a:pull repository:b:pull\"");

        Assert.Equal("repository:a:pull repository:b:pull", challenge.Scope);
    }

    [Fact]
    public void Parse_EscapedQuotesAndBackslashes_Unescaped()
    {
        var challenge = ParseOk("Bearer realm=\"https://x/token\",error_description=\"say \\\"hi\\\" \\\\ bye\"");

        Assert.Equal("say \"hi\" \\ bye", challenge.Parameters["error_description"]);
        Assert.Equal("https://x/token", challenge.Realm);
    }

    [Fact]
    public void Parse_UnquotedValues_Read()
    {
        var challenge = ParseOk("Bearer realm=https://gcr.io/v2/token,service=gcr.io");

        Assert.Equal("https://gcr.io/v2/token", challenge.Realm);
        Assert.Equal("gcr.io", challenge.Service);
    }

    [Fact]
    public void Parse_ExtraWhitespace_Tolerated()
    {
        var challenge = ParseOk("  Bearer   realm = \"https://x/token\" ,  service=\"svc\"\t,scope = \"repository:a:pull\"  ");

        Assert.Equal("https://x/token", challenge.Realm);
        Assert.Equal("svc", challenge.Service);
        Assert.Equal("repository:a:pull", challenge.Scope);
    }

    [Fact]
    public void Parse_EmptyQuotedValue_IsEmptyString()
    {
        Assert.Equal("", ParseOk("Bearer realm=\"https://x\",scope=\"\"").Scope);
    }

    [Fact]
    public void Parse_MultipleChallenges_FirstWins()
    {
        var challenge = ParseOk("Bearer realm=\"https://a/token\",service=\"a\", Basic realm=\"b\", Negotiate");

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://a/token", challenge.Realm);
        Assert.Equal("a", challenge.Service);
        Assert.Equal(2, challenge.Parameters.Count);
    }

    [Fact]
    public void Parse_BasicFirst_BasicWins()
    {
        var challenge = ParseOk("Basic realm=\"Registry Realm\", Bearer realm=\"https://a/token\"");

        Assert.False(challenge.IsBearer);
        Assert.Equal("Basic", challenge.Scheme);
        Assert.Equal("Registry Realm", challenge.Realm);
        Assert.Single(challenge.Parameters);
    }

    [Fact]
    public void Parse_SchemeOnly_NoParameters()
    {
        var challenge = ParseOk("Bearer");

        Assert.True(challenge.IsBearer);
        Assert.Empty(challenge.Parameters);
        Assert.Null(challenge.Realm);
    }

    [Fact]
    public void Parse_LowercaseSchemeAndKeys_CaseInsensitive()
    {
        var challenge = ParseOk("bearer REALM=\"https://x\",Service=\"s\"");

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://x", challenge.Realm);
        Assert.Equal("s", challenge.Service);
    }

    [Fact]
    public void Parse_UnterminatedQuote_ReadsToEnd()
    {
        Assert.Equal("https://x/token", ParseOk("Bearer realm=\"https://x/token").Realm);
    }

    [Fact]
    public void Parse_RepeatedParameter_FirstKeptNoThrow()
    {
        var challenge = ParseOk("Bearer realm=\"https://first/token\",service=\"s\",Realm=\"https://second/token\"");

        Assert.Equal("https://first/token", challenge.Realm);
        Assert.Equal("s", challenge.Service);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"Bearer\"")]
    [InlineData("=realm")]
    [InlineData(",,,")]
    [InlineData("realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\"")]
    [InlineData("Bearer=\"x\"")]
    [InlineData("(garbage)")]
    public void Parse_Garbage_ReturnsNull(string? header)
    {
        Assert.Null(AuthChallenge.Parse(header));
    }

    [Fact]
    public void ToString_RealmFirstAllQuoted()
    {
        var challenge = new AuthChallenge("Bearer", [new("service", "svc"), new("realm", "https://x/token"), new("scope", "repository:a/b:pull,push")]);

        Assert.Equal("Bearer realm=\"https://x/token\",service=\"svc\",scope=\"repository:a/b:pull,push\"", challenge.ToString());
    }

    [Fact]
    public void ToString_QuotesAndBackslashes_Escaped()
    {
        var challenge = new AuthChallenge("Bearer", [new("realm", "a\"b\\c")]);

        Assert.Equal("Bearer realm=\"a\\\"b\\\\c\"", challenge.ToString());
    }

    [Fact]
    public void ToString_NoParameters_SchemeOnly()
    {
        Assert.Equal("Basic", new AuthChallenge("Basic", []).ToString());
    }

    [Theory]
    [InlineData(DockerHub)]
    [InlineData("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:a/b:pull,push\"")]
    [InlineData("Bearer realm=\"q\\\"uote\\\\d\",service=\"s p a c e\"")]
    [InlineData("Basic realm=\"Registry Realm\"")]
    public void ToString_RoundTrip_ParsesToSameParameters(string header)
    {
        var first = ParseOk(header);

        var second = ParseOk(first.ToString());

        Assert.Equal(first.Scheme, second.Scheme);
        Assert.Equal(first.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal), second.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(first.ToString(), second.ToString());
    }
}
