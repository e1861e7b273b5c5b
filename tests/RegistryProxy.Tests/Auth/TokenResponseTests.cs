using System.Text;
using System.Text.Json;
using Edge.RegistryProxy.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Auth;

public class TokenResponseTests
{
    private static TokenResponse FromJson(string json, int status = 200) =>
        TokenResponse.FromBody(status, "application/json", Encoding.UTF8.GetBytes(json));

    private static JsonElement Body(TokenResponse response) => JsonDocument.Parse(response.Body).RootElement;

    [Fact]
    public void FromBody_TokenOnly_AddsAccessToken()
    {
        var response = FromJson("""{"token":"abc","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}""");

        Assert.True(response.Succeeded);
        Assert.Equal("abc", response.Token);
        Assert.Equal("abc", Body(response).GetProperty("token").GetString());
        Assert.Equal("abc", Body(response).GetProperty("access_token").GetString());
        Assert.Equal("2024-01-01T00:00:00Z", Body(response).GetProperty("issued_at").GetString());
        Assert.Equal(TimeSpan.FromSeconds(300), response.Lifetime);
        Assert.Equal("application/json", response.ContentType);
    }

    [Fact]
    public void FromBody_AccessTokenOnly_AddsToken()
    {
        var response = FromJson("""{"access_token":"xyz","expires_in":120}""");

        Assert.True(response.Succeeded);
        Assert.Equal("xyz", response.Token);
        Assert.Equal("xyz", Body(response).GetProperty("token").GetString());
        Assert.Equal("xyz", Body(response).GetProperty("access_token").GetString());
        Assert.Equal(TimeSpan.FromSeconds(120), response.Lifetime);
    }

    [Fact]
    public void FromBody_BothTokens_KeepsEachAndPrefersToken()
    {
        var response = FromJson("""{"token":"t1","access_token":"t2"}""");

        Assert.Equal("t1", response.Token);
        Assert.Equal("t1", Body(response).GetProperty("token").GetString());
        Assert.Equal("t2", Body(response).GetProperty("access_token").GetString());
    }

    [Fact]
    public void FromBody_ExtraFields_Preserved()
    {
        var response = FromJson("""{"token":"t","refresh_token":"r"}""");

        Assert.Equal("r", Body(response).GetProperty("refresh_token").GetString());
    }

    [Theory]
    [InlineData("""{"token":"t"}""")]
    [InlineData("""{"token":"t","expires_in":0}""")]
    [InlineData("""{"token":"t","expires_in":-5}""")]
    [InlineData("""{"token":"t","expires_in":"300"}""")]
    [InlineData("""{"token":"t","expires_in":null}""")]
    public void FromBody_ExpiresInMissingOrUnusable_Default60Seconds(string json)
    {
        var response = FromJson(json);

        Assert.True(response.Succeeded);
        Assert.Equal(TimeSpan.FromSeconds(60), response.Lifetime);
        Assert.Equal(TokenResponse.DefaultLifetime, response.Lifetime);
    }

    [Fact]
    public void FromBody_HugeExpiresIn_CappedAtOneDay()
    {
        Assert.Equal(TimeSpan.FromDays(1), FromJson("""{"token":"t","expires_in":99999999999}""").Lifetime);
    }

    [Fact]
    public void FromBody_FractionalExpiresIn_Kept()
    {
        Assert.Equal(TimeSpan.FromSeconds(90.5), FromJson("""{"token":"t","expires_in":90.5}""").Lifetime);
    }

    [Theory]
    [InlineData("<html>login</html>")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"token\"")]
    [InlineData("{}")]
    [InlineData("""{"token":""}""")]
    [InlineData("""{"token":null}""")]
    [InlineData("""{"details":"incorrect username or password"}""")]
    public void FromBody_NonJsonOrNoToken_NotSucceeded502(string body)
    {
        var response = FromJson(body);

        Assert.False(response.Succeeded);
        Assert.Null(response.Token);
        Assert.Equal(502, response.Status);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(500)]
    public void FromBody_Non200_KeptAsIs(int status)
    {
        var body = Encoding.UTF8.GetBytes("""{"token":"would-be"}""");

        var response = TokenResponse.FromBody(status, "text/plain", body);

        Assert.False(response.Succeeded);
        Assert.Equal(status, response.Status);
        Assert.Equal("text/plain", response.ContentType);
        Assert.Same(body, response.Body);
        Assert.Null(response.Token);
    }

    [Fact]
    public void Offline_Token_HasPrefixAndParses()
    {
        var time = new FakeTimeProvider();

        var response = TokenResponse.Offline(time);

        Assert.True(response.Succeeded);
        Assert.StartsWith(ClientCredentials.OfflineTokenPrefix, response.Token, StringComparison.Ordinal);
        Assert.True(ClientCredentials.IsOfflineToken("Bearer " + response.Token));
        Assert.Equal(TokenResponse.DefaultLifetime, response.Lifetime);

        var body = Body(response);
        Assert.Equal(response.Token, body.GetProperty("token").GetString());
        Assert.Equal(response.Token, body.GetProperty("access_token").GetString());
        Assert.Equal(60, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(time.GetUtcNow(), body.GetProperty("issued_at").GetDateTimeOffset());

        var reparsed = TokenResponse.FromBody(200, response.ContentType, response.Body);
        Assert.True(reparsed.Succeeded);
        Assert.Equal(response.Token, reparsed.Token);
    }

    [Fact]
    public void Offline_TwoCalls_DifferentTokens()
    {
        var time = new FakeTimeProvider();

        Assert.NotEqual(TokenResponse.Offline(time).Token, TokenResponse.Offline(time).Token);
    }

    [Fact]
    public void FromBody_NumericToken_IsNotATokenAndDoesNotThrow()
    {
        var response = FromJson("""{"token":123}""");

        Assert.False(response.Succeeded);
        Assert.Equal(502, response.Status);
    }

    [Fact]
    public void FromBody_EmptyTokenButAccessToken_UsesAccessTokenForBoth()
    {
        var response = FromJson("""{"token":"","access_token":"abc"}""");

        Assert.True(response.Succeeded);
        Assert.Equal("abc", response.Token);
        Assert.Equal("abc", Body(response).GetProperty("token").GetString());
    }
}
