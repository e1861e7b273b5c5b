using System.Net;
using Edge.Host.Hosting;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Tests.Hosting;

public class ClientInfoResolverTests
{
    private static DefaultHttpContext Request(string peer, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("mirror.local:5000");
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    private static ClientInfoResolver Trusting(params string[] networks) =>
        new(networks.Select(n =>
        {
            Assert.True(ClientInfoResolver.TryParseNetwork(n, out var network));
            return network;
        }).ToList());

    [Fact]
    public void Resolve_UntrustedPeer_IgnoresForwardedHeaders()
    {
        var client = Trusting("10.0.0.1").Resolve(Request("192.0.2.7", ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-For", "198.51.100.1")));

        Assert.Equal("http", client.Scheme);
        Assert.Equal("mirror.local:5000", client.Host);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), client.Address);
    }

    [Fact]
    public void Resolve_TrustedPeer_UsesForwardedSchemeHostAndClient()
    {
        var client = Trusting("127.0.0.1").Resolve(Request("127.0.0.1", ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "docker.example.com"), ("X-Forwarded-For", "198.51.100.1")));

        Assert.Equal("https", client.Scheme);
        Assert.Equal("docker.example.com", client.Host);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), client.Address);
    }

    [Fact]
    public void Resolve_ChainOfTrustedProxies_StopsAtFirstUntrustedHop()
    {
        var client = Trusting("127.0.0.1", "10.0.0.0/8").Resolve(Request("127.0.0.1", ("X-Forwarded-For", "203.0.113.9, 198.51.100.1, 10.1.2.3")));

        Assert.Equal(IPAddress.Parse("198.51.100.1"), client.Address);
    }

    [Fact]
    public void Resolve_TrustedPeerWithGarbageProto_KeepsSocketScheme()
    {
        var client = Trusting("127.0.0.1").Resolve(Request("127.0.0.1", ("X-Forwarded-Proto", "javascript"), ("X-Forwarded-Host", "bad host")));

        Assert.Equal("http", client.Scheme);
        Assert.Equal("mirror.local:5000", client.Host);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("not-an-ip", false)]
    [InlineData("10.0.0.0/99", false)]
    public void TryParseNetwork_Inputs_ParseOrReject(string text, bool ok)
    {
        Assert.Equal(ok, ClientInfoResolver.TryParseNetwork(text, out _));
    }
}
