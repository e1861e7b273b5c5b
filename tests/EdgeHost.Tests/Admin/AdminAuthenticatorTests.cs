using System.Security.Cryptography;
using System.Text;
using Edge.Host.Admin;
using Edge.Host.Configuration;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Tests.Admin;

public sealed class AdminAuthenticatorTests
{
    private const string Token = "admin-token-0123456789abcdef";

    private static AdminAuthenticator Authenticator() => new(SHA256.HashData(Encoding.UTF8.GetBytes(Token)), "Edge:AdminToken");

    private static HttpRequest Request(params string[] authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization.Length > 0)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context.Request;
    }

    [Fact]
    public void Check_RightToken_Allowed()
    {
        Assert.Equal(AdminAuthResult.Allowed, Authenticator().Check(Request("Bearer " + Token)));
        Assert.Equal(AdminAuthResult.Allowed, Authenticator().Check(Request("bearer  " + Token + " ")));
    }

    [Theory]
    [InlineData("Bearer admin-token-0123456789abcdeX")]
    [InlineData("Bearer " + Token + "x")]
    [InlineData("Bearer ")]
    [InlineData("Bearer")]
    [InlineData("Basic YWRtaW46cGFzcw==")]
    [InlineData(Token)]
    public void Check_WrongTokenOrScheme_Invalid(string header)
    {
        Assert.Equal(AdminAuthResult.Invalid, Authenticator().Check(Request(header)));
    }

    [Fact]
    public void Check_TwoAuthorizationHeaders_Invalid()
    {
        Assert.Equal(AdminAuthResult.Invalid, Authenticator().Check(Request("Bearer " + Token, "Bearer " + Token)));
    }

    [Fact]
    public void Check_NoHeader_Missing()
    {
        Assert.Equal(AdminAuthResult.Missing, Authenticator().Check(Request()));
    }

    [Fact]
    public void Check_NoTokenConfigured_NotConfiguredWhateverIsSent()
    {
        var off = new AdminAuthenticator(null, "Relay:AdminToken");

        Assert.False(off.IsEnabled);
        Assert.Equal(AdminAuthResult.NotConfigured, off.Check(Request("Bearer " + Token)));
        Assert.Equal(AdminAuthResult.NotConfigured, off.Check(Request()));
    }

    [Fact]
    public void Check_ConfiguredAsSha256_SameTokenAllowed()
    {
        var options = new AdminTokenOptions { AdminTokenSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token))).ToUpperInvariant() };
        var auth = new AdminAuthenticator(options.TokenHash(), "Edge:AdminToken");

        Assert.Empty(options.Validate("Edge"));
        Assert.Equal(AdminAuthResult.Allowed, auth.Check(Request("Bearer " + Token)));
        Assert.Equal(AdminAuthResult.Invalid, auth.Check(Request("Bearer " + Token[..^1])));
    }

    [Fact]
    public void Validate_BadSettings_EveryProblemWithItsKey()
    {
        Assert.Empty(new AdminTokenOptions().Validate("Relay"));
        Assert.Empty(new AdminTokenOptions { AdminToken = Token }.Validate("Relay"));

        var both = new AdminTokenOptions { AdminToken = "short", AdminTokenSha256 = "abc" }.Validate("Relay");
        Assert.Equal(3, both.Count);
        Assert.Contains(both, e => e.StartsWith("Relay: set only one", StringComparison.Ordinal));
        Assert.Contains(both, e => e.StartsWith("Relay:AdminToken must be at least 16", StringComparison.Ordinal));
        Assert.Contains(both, e => e.StartsWith("Relay:AdminTokenSha256 must be 64 hex digits", StringComparison.Ordinal));
        Assert.Single(new AdminTokenOptions { AdminToken = "has a space in it, long enough" }.Validate("Edge"));
    }
}
