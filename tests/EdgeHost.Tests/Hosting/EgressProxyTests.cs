using System.Net;
using Edge.Host.Configuration;
using Edge.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Tests.Hosting;

public sealed class EgressProxyTests
{
    [Theory]
    [InlineData("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080/", null, null)]
    [InlineData("http://proxy.corp.example:3128/", "http://proxy.corp.example:3128/", null, null)]
    [InlineData("http://proxy.corp.example", "http://proxy.corp.example:80/", null, null)]
    [InlineData("socks5://edge:pa%40ss%3Aword@127.0.0.1:40000", "socks5://127.0.0.1:40000/", "edge", "pa@ss:word")]
    [InlineData("http://edge@127.0.0.1:3128", "http://127.0.0.1:3128/", "edge", "")]
    public void Parse_Valid_AddressWithoutCredentialsAndCredentialsApart(string url, string address, string? user, string? password)
    {
        var proxy = EgressProxy.Parse(new Uri(url));

        Assert.Equal(new Uri(address), proxy.Address);
        Assert.Equal(user, proxy.Credentials?.UserName);
        Assert.Equal(password, proxy.Credentials?.Password);
        Assert.DoesNotContain("@", proxy.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://edge:s3cret@127.0.0.1:21", "The proxy 'ftp://127.0.0.1:21' must use http:// or socks5://")]
    [InlineData("https://edge:s3cret@proxy.example:443", "The proxy 'https://proxy.example:443' must use http:// or socks5://")]
    [InlineData("socks5://edge:s3cret@127.0.0.1", "The proxy 'socks5://127.0.0.1' needs a port, e.g. socks5://127.0.0.1:1080.")]
    [InlineData("http://edge:s3cret@127.0.0.1:3128/path", "The proxy 'http://127.0.0.1:3128' must not have a path, query or fragment.")]
    [InlineData("socks5://:s3cret@127.0.0.1:1080", "The proxy 'socks5://127.0.0.1:1080' has credentials without a user name.")]
    public void Parse_Invalid_PreciseMessageWithoutCredentials(string url, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => EgressProxy.Parse(new Uri(url)));

        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SocksCredentialLongerThan255Bytes_Rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => EgressProxy.Parse(new Uri($"socks5://edge:{new string('x', 256)}@127.0.0.1:1080")));

        Assert.Contains("at most 255 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_SameProxyTwice_OneSharedInvokerPerProxyAndCredentials()
    {
        using var invokers = new ProxiedInvokers(new OutboundHttpOptions());

        var first = invokers.Get(new Uri("socks5://a:1@127.0.0.1:1080"));
        var again = invokers.Get(new Uri("socks5://a:1@127.0.0.1:1080"));
        var otherCredentials = invokers.Get(new Uri("socks5://a:2@127.0.0.1:1080"));

        Assert.Same(first, again);
        Assert.NotSame(first, otherCredentials);
    }

    [Fact]
    public async Task Create_ExplicitProxy_LoopbackDestinationGoesThroughIt()
    {
        // An HTTP proxy that answers itself: a request that reaches it says so. The destination is loopback, which the
        // environment's proxy would bypass; an explicit one must not.
        await using var proxy = await StartAsync(c => c.Response.WriteAsync("via proxy for " + c.Request.GetDisplayUrl()));
        await using var origin = await StartAsync(c => c.Response.WriteAsync("direct"));
        using var invoker = OutboundHttp.Create(new OutboundHttpOptions(), EgressProxy.Parse(Address(proxy)));

        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Address(origin), "/v2/")), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"via proxy for {Address(origin)}v2/", await response.Content.ReadAsStringAsync());
    }

    private static async Task<WebApplication> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
}
