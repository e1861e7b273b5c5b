using System.Net;
using Edge.Host.Configuration;
using Edge.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Tests.Hosting;

public sealed class OutboundHttpTests
{
    // Nothing listens on the discard port: a request sent to this "proxy" fails.
    private static readonly WebProxy DeadProxy = new("http://127.0.0.1:9");

    [Theory]
    [InlineData("http://127.0.0.1:3000/", true)]
    [InlineData("http://127.8.9.10/", true)]
    [InlineData("http://localhost:8080/", true)]
    [InlineData("http://[::1]:8080/", true)]
    [InlineData("https://registry-1.docker.io/v2/", false)]
    [InlineData("http://10.0.0.5/", false)]
    public void LoopbackBypassProxy_LoopbackDirect_OthersThroughEnvironmentProxy(string destination, bool direct)
    {
        var proxy = new LoopbackBypassProxy(DeadProxy);

        Assert.Equal(direct, proxy.IsBypassed(new Uri(destination)));
        Assert.Equal(direct ? null : new Uri("http://127.0.0.1:9"), proxy.GetProxy(new Uri(destination)));
    }

    [Fact]
    public async Task Create_EnvironmentProxySet_LoopbackOriginStillReachedDirectly()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var origin = builder.Build();
        origin.Run(c => c.Response.WriteAsync("direct"));
        await origin.StartAsync();
        var url = origin.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var invoker = OutboundHttp.Create(new OutboundHttpOptions(), DeadProxy);

        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(url)), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("direct", await response.Content.ReadAsStringAsync());
        await origin.StopAsync();
    }
}
