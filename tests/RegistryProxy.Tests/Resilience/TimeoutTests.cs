using System.Net;
using Edge.RegistryProxy.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.RegistryProxy.Tests.Resilience;

public sealed class TimeoutTests
{
    [Fact]
    public async Task SendAsync_NoHeadersWithinUpstreamTimeout_504WhenTheFakeClockPassesIt()
    {
        using var bed = new ChannelBed(o => o.MinimumThroughput = 100);
        bed.Handler.Then(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("never answers");
        });

        var send = bed.GetManifestAsync();
        bed.Time.Advance(bed.Options.UpstreamTimeout - TimeSpan.FromTicks(1));
        var doneBefore = send.IsCompleted;
        bed.Time.Advance(TimeSpan.FromTicks(1));
        using var result = await send.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(doneBefore);
        Assert.Equal(504, result.Failure?.StatusCode);
        Assert.Contains("upstream 'docker' (http://registry.test:5000) did not answer within 60 s", result.Failure?.Message, StringComparison.Ordinal);
        // A timeout is not retried: the client already waited that long.
        Assert.Equal(1, bed.Handler.Count);
    }

    [Fact]
    public async Task SendAsync_HeadersInTime_BodyStreamsLongAfterTheTimeout()
    {
        // A real Kestrel origin and a real SocketsHttpHandler: the headers come at once, the body only when released.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var origin = builder.Build();
        origin.Run(async context =>
        {
            context.Response.ContentLength = 4;
            await context.Response.Body.FlushAsync();
            await release.Task;
            await context.Response.WriteAsync("data");
        });
        await origin.StartAsync();
        var url = new Uri(origin.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var bed = new ChannelBed(upstream: new Upstream("docker", url, [], [], true, null, null), invoker: invoker);

        using var result = await bed.GetManifestAsync();
        await using var body = await result.Response!.Content.ReadAsStreamAsync();
        bed.Time.Advance(bed.Options.UpstreamTimeout * 3);
        var read = new byte[4];
        var reading = body.ReadAtLeastAsync(read, 4);
        release.SetResult();

        Assert.Equal(200, result.Status);
        Assert.Equal(4, await reading.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("data"u8.ToArray(), read);
        await origin.StopAsync();
    }

    [Fact]
    public async Task SendAsync_TimeoutsRepeat_OpenTheCircuit()
    {
        using var bed = new ChannelBed(o =>
        {
            o.MinimumThroughput = 2;
            o.RetryAttempts = 0;
        });
        bed.Handler.Otherwise(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("never answers");
        });

        // One after the other, each failing only after the timeout: the default window still holds both.
        for (var i = 0; i < 2; i++)
        {
            var send = bed.GetManifestAsync();
            bed.Time.Advance(bed.Options.UpstreamTimeout);
            (await send.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        }

        var rejected = bed.GetManifestAsync();
        var atOnce = rejected.IsCompleted;
        // Bounded: were the circuit closed, this request would wait on the silent upstream forever.
        using var result = await rejected.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(atOnce);
        Assert.Equal(503, result.Failure?.StatusCode);
        Assert.Contains("last failure: no response headers within 60 s", result.Failure?.Message, StringComparison.Ordinal);
    }
}
