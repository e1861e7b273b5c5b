using System.Security.Cryptography;
using Edge.Tunnel.Relay;
using Edge.Tunnel.Tests.Infrastructure;

namespace Edge.Tunnel.Tests;

/// <summary>Private ingress rules on the relay: reachable only with an access token that covers the host.</summary>
public sealed class AccessTests : IAsyncLifetime
{
    internal const string CiToken = "access-token-ci-0123456789";
    internal const string OpsToken = "access-token-ops-0123456789";

    private static readonly HttpMessageInvoker s_http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
    private RelayHost _relay = null!;
    private OriginHost _origin = null!;

    /// <summary>The default routes, a private wildcard rule *.secret.test → t1, and two access credentials: ci
    /// (clear token, private.app.test) and ops (hashed token, *.secret.test).</summary>
    internal static void AccessRoutes(TunnelRelayOptions o)
    {
        RelayHost.DefaultRoutes(o);
        o.Ingress.Add(new TunnelIngressRule { Host = "*.secret.test", TunnelId = "t1", Private = true });
        o.Access.Add(new TunnelAccessCredential { Name = "ci", Token = CiToken, Hosts = ["private.app.test"] });
        o.Access.Add(new TunnelAccessCredential
        {
            Name = "ops",
            TokenSha256 = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(OpsToken))),
            Hosts = ["*.secret.test"],
        });
    }

    public async Task InitializeAsync()
    {
        _relay = await RelayHost.StartAsync(AccessRoutes);
        _origin = await OriginHost.StartAsync(OriginHost.AgentOptions(_relay.Uri));
        await _relay.WaitForConnectionsAsync("t1", 2);
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        await _relay.DisposeAsync();
    }

    [Fact]
    public async Task Forward_PrivateHostWithoutToken_AnswersExactlyLikeAnUnknownHost()
    {
        var (privateStatus, privateBody, privateHeaders) = await GetAsync("private.app.test", "/echo", null);
        var (wildStatus, wildBody, _) = await GetAsync("db.secret.test", "/echo", null);
        var (unknownStatus, unknownBody, unknownHeaders) = await GetAsync("unknown.test", "/echo", null);

        Assert.Equal(404, privateStatus);
        Assert.Equal(404, wildStatus);
        Assert.Equal(404, unknownStatus);
        Assert.Equal("no tunnel route for host private.app.test\n", privateBody);
        Assert.Equal("no tunnel route for host db.secret.test\n", wildBody);
        Assert.Equal("no tunnel route for host unknown.test\n", unknownBody);
        Assert.Equal(unknownHeaders, privateHeaders);
        Assert.Equal(3, _relay.Relay.NoRouteRequests);
        Assert.Equal(0, _relay.Relay.AccessRefusedRequests);
    }

    [Fact]
    public async Task Forward_WrongToken_403ForPrivateAndUnknownHostsAlikeAndTokenNeverLogged()
    {
        const string wrong = "wrong-access-token-do-not-log";

        var (privateStatus, privateBody, privateHeaders) = await GetAsync("private.app.test", "/echo", wrong);
        var (unknownStatus, unknownBody, unknownHeaders) = await GetAsync("unknown.test", "/echo", wrong);
        var (emptyStatus, _, _) = await GetAsync("private.app.test", "/echo", "");

        Assert.Equal(403, privateStatus);
        Assert.Equal("access token refused\n", privateBody);
        Assert.Equal(403, unknownStatus);
        Assert.Equal(privateBody, unknownBody);
        Assert.Equal(privateHeaders, unknownHeaders);
        Assert.Equal(403, emptyStatus);
        Assert.Equal(3, _relay.Relay.AccessRefusedRequests);
        Assert.Equal(2, _relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").AccessRefused);
        Assert.Contains(_relay.Logs.Lines, l => l.Contains("Access refused for private.app.test/echo from 127.0.0.1: invalid access token", StringComparison.Ordinal));
        Assert.DoesNotContain(_relay.Logs.Lines, l => l.Contains(wrong, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_TokenForAnotherHost_403NamingTheHostAndTokenNeverLogged()
    {
        var (opsStatus, opsBody, _) = await GetAsync("private.app.test", "/echo", OpsToken);
        var (ciStatus, ciBody, _) = await GetAsync("db.secret.test", "/echo", CiToken);
        var (ciUnknownStatus, ciUnknownBody, _) = await GetAsync("unknown.test", "/echo", CiToken);

        Assert.Equal(403, opsStatus);
        Assert.Equal("access token does not cover host private.app.test\n", opsBody);
        Assert.Equal(403, ciStatus);
        Assert.Equal("access token does not cover host db.secret.test\n", ciBody);
        // A valid token learns nothing about hosts it does not cover: unknown ones answer the same.
        Assert.Equal(403, ciUnknownStatus);
        Assert.Equal("access token does not cover host unknown.test\n", ciUnknownBody);
        Assert.Contains(_relay.Logs.Lines, l => l.Contains("access token 'ops' does not cover this host", StringComparison.Ordinal));
        Assert.DoesNotContain(_relay.Logs.Lines, l => l.Contains(OpsToken, StringComparison.Ordinal) || l.Contains(CiToken, StringComparison.Ordinal));
        Assert.Equal(0, _relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").AccessRequests);
    }

    [Fact]
    public async Task Forward_RightToken_ReachesThePrivateHostWithTheTokenStripped()
    {
        var (ciStatus, ciBody, _) = await GetAsync("private.app.test", "/headers", CiToken);
        var (opsStatus, opsBody, _) = await GetAsync("db.secret.test", "/echo", OpsToken);

        Assert.Equal(200, ciStatus);
        Assert.Contains("Host: private.app.test\n", ciBody, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("X-Forwarded-Host: private.app.test\n", ciBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TunnelProtocol.AccessTokenHeader, ciBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(CiToken, ciBody, StringComparison.Ordinal);
        Assert.Equal(200, opsStatus);
        Assert.Contains("host=db.secret.test\n", opsBody, StringComparison.Ordinal);
        Assert.Contains("tunnel=t1\n", opsBody, StringComparison.Ordinal);
        var t1 = _relay.Relay.GetStatus().Single(s => s.TunnelId == "t1");
        Assert.Equal(2, t1.AccessRequests);
        Assert.Equal(2, t1.ResponsesByStatus[200]);
        Assert.Equal(0, _relay.Relay.NoRouteRequests);
    }

    [Fact]
    public async Task Forward_TwoTokenHeaders_Refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_relay.Uri, "/echo"));
        request.Headers.Host = "private.app.test";
        request.Headers.TryAddWithoutValidation(TunnelProtocol.AccessTokenHeader, [CiToken, CiToken]);
        using var response = await s_http.SendAsync(request, CancellationToken.None);

        Assert.Equal(403, (int)response.StatusCode);
    }

    [Fact]
    public async Task Forward_PublicRuleWithTokenHeader_ForwardedAsPublicWithTheHeaderStripped()
    {
        var (wrongStatus, wrongBody, _) = await GetAsync("app.test", "/headers", "not-a-token-at-all");
        var (validStatus, validBody, _) = await GetAsync("x.apps.test", "/headers", CiToken);

        Assert.Equal(200, wrongStatus);
        Assert.DoesNotContain(TunnelProtocol.AccessTokenHeader, wrongBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("not-a-token-at-all", wrongBody, StringComparison.Ordinal);
        Assert.Equal(200, validStatus);
        Assert.DoesNotContain(CiToken, validBody, StringComparison.Ordinal);
        Assert.Equal(0, _relay.Relay.AccessRefusedRequests);
        Assert.Equal(0, _relay.Relay.GetStatus().Single(s => s.TunnelId == "t1").AccessRequests);
    }

    [Fact]
    public async Task Forward_ValidTokenCoveringAHostWithoutRule_404LikeAnyUnknownHost()
    {
        await using var relay = await RelayHost.StartAsync(o =>
        {
            o.Tunnels.Add(new TunnelDefinition { Id = "t1", Token = "secret-token-1" });
            o.Ingress.Add(new TunnelIngressRule { Host = "db.internal.test", TunnelId = "t1", Private = true });
            o.Access.Add(new TunnelAccessCredential { Name = "all", Token = CiToken, Hosts = ["*.internal.test"] });
        });

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(relay.Uri, "/"));
        request.Headers.Host = "web.internal.test";
        request.Headers.TryAddWithoutValidation(TunnelProtocol.AccessTokenHeader, CiToken);
        using var response = await s_http.SendAsync(request, CancellationToken.None);

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("no tunnel route for host web.internal.test\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Options_InvalidAccess_EveryErrorReportedAtOnce()
    {
        var options = new TunnelRelayOptions();
        options.Tunnels.Add(new TunnelDefinition { Id = "t1", Token = "secret-token-1" });
        options.Ingress.Add(new TunnelIngressRule { Host = "db.internal.test", TunnelId = "t1", Private = true });
        options.Ingress.Add(new TunnelIngressRule { Host = "app.test", TunnelId = "t1" });
        options.Access.Add(new TunnelAccessCredential { Name = "", Token = "x", Hosts = ["db.internal.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "both", Token = "x", TokenSha256 = new string('a', 64), Hosts = ["db.internal.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "neither", Hosts = ["db.internal.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "short-hash", TokenSha256 = "abc", Hosts = ["db.internal.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "space", Token = "has space", Hosts = ["db.internal.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "no-hosts", Token = "token-no-hosts" });
        options.Access.Add(new TunnelAccessCredential { Name = "bad-host", Token = "token-bad-host", Hosts = ["db.internal.test:443", "*.*.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "public", Token = "token-public", Hosts = ["app.test", "*.elsewhere.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "dup", Token = "token-public", Hosts = ["*.internal.test"] });
        options.Access.Add(new TunnelAccessCredential { Name = "dup", Token = "token-dup", Hosts = ["db.internal.test"] });

        var errors = options.Validate();

        Assert.Equal(
        [
            "Access: every credential needs a Name (printable ASCII without spaces)",
            "Access: 'both' needs exactly one of Token or TokenSha256",
            "Access: 'neither' needs exactly one of Token or TokenSha256",
            "Access: 'short-hash' TokenSha256 must be 64 hex digits",
            "Access: 'space' Token must be printable ASCII without spaces (it travels in the Edge-Access-Token header)",
            "Access: 'no-hosts' needs at least one entry in Hosts",
            "Access: 'bad-host' host 'db.internal.test:443' must be a name or *.suffix, without port or path",
            "Access: 'bad-host' host '*.*.test' must be a name or *.suffix, without port or path",
            "Access: 'public' host 'app.test' matches no private ingress rule (public rules need no token)",
            "Access: 'public' host '*.elsewhere.test' matches no private ingress rule (public rules need no token)",
            "Access: 'public' and 'dup' have the same token",
            "Access: 'dup' is defined twice",
        ],
        errors);
    }

    [Theory]
    [InlineData("db.internal.test", "db.internal.test", true)]
    [InlineData("DB.internal.test", "db.internal.test", true)]
    [InlineData("*.internal.test", "db.internal.test", true)]
    [InlineData("db.internal.test", "*.internal.test", true)]
    [InlineData("*.a.internal.test", "*.internal.test", true)]
    [InlineData("*.internal.test", "*.a.internal.test", true)]
    [InlineData("*.internal.test", "internal.test", false)]
    [InlineData("*.internal.test", "*.other.test", false)]
    [InlineData("db.internal.test", "web.internal.test", false)]
    public void Ingress_Overlap_TrueWhenSomeHostMatchesBoth(string a, string b, bool expected)
    {
        Assert.Equal(expected, TunnelIngressTable.Overlap(a, b));
        Assert.Equal(expected, TunnelIngressTable.Overlap(b, a));
    }

    [Fact]
    public void AccessTable_Check_MatchesTokenThenHost()
    {
        var table = new TunnelAccessTable(
        [
            new TunnelAccessCredential { Name = "ci", Token = CiToken, Hosts = ["private.app.test"] },
            new TunnelAccessCredential { Name = "ops", TokenSha256 = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(OpsToken))), Hosts = ["*.secret.test"] },
        ]);

        Assert.Equal(new AccessCheck("ci", true), table.Check(CiToken, "PRIVATE.app.test"));
        Assert.Equal(new AccessCheck("ci", false), table.Check(CiToken, "db.secret.test"));
        Assert.Equal(new AccessCheck("ops", true), table.Check(OpsToken, "a.b.secret.test"));
        Assert.Equal(new AccessCheck("ops", false), table.Check(OpsToken, "secret.test"));
        Assert.Equal(new AccessCheck(null, false), table.Check("nope", "private.app.test"));
        Assert.Equal(new AccessCheck(null, false), table.Check("", "private.app.test"));
    }

    private async Task<(int Status, string Body, string Headers)> GetAsync(string host, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_relay.Uri, path));
        request.Headers.Host = host;
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(TunnelProtocol.AccessTokenHeader, token);
        }

        using var response = await s_http.SendAsync(request, CancellationToken.None);
        var headers = string.Join(
            "\n",
            response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date" && h.Key != "Content-Length").OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), headers);
    }
}
