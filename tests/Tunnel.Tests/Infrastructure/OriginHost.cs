using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Edge.Tunnel.Agent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Tests.Infrastructure;

/// <summary>
/// An origin app on a real Kestrel that listens on 127.0.0.1:0 (direct, for comparison) and on a tunnel endpoint
/// through the agent transport.
/// </summary>
internal sealed class OriginHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _abortedById = new(StringComparer.Ordinal);

    private OriginHost(WebApplication app, TunnelEndPoint tunnel, TestLogs logs)
    {
        _app = app;
        Tunnel = tunnel;
        Logs = logs;
    }

    public TunnelEndPoint Tunnel { get; }

    public TestLogs Logs { get; }

    public int DirectPort { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>Completes when a /hold request (on the origin named "first") has arrived, its body read; the request
    /// then waits until it is aborted.</summary>
    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a /download request's RequestAborted fired.</summary>
    /// <remarks>Once Kestrel reports the stream reset, the download waits for RequestAborted (see DownloadAsync), so
    /// the abort is seen even when Kestrel raises it after the last write.</remarks>
    public TaskCompletionSource DownloadAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the /download request with <c>id=<paramref name="id"/></c> in its query saw its
    /// RequestAborted fire.</summary>
    public Task DownloadAbortedFor(string id) => AbortedById(id).Task;

    public static TunnelAgentOptions AgentOptions(Uri relay, string tunnelId = "t1", string token = "secret-token-1", int connections = 2) => new()
    {
        RelayUri = relay,
        TunnelId = tunnelId,
        Token = token,
        ConnectionCount = connections,
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
    };

    public static async Task<OriginHost> StartAsync(TunnelAgentOptions options, string name = "origin", TimeProvider? time = null, TimeSpan? shutdownTimeout = null)
    {
        var tunnel = new TunnelEndPoint(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new TestLogs();
        builder.Logging.AddProvider(logs);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddTunnelAgent();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0);
            k.ListenTunnel(tunnel);
        });
        var app = builder.Build();
        var host = new OriginHost(app, tunnel, logs) { Name = name };
        app.UseWebSockets();
        app.Run(host.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var direct = addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        host.DirectPort = new Uri(direct).Port;
        return host;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        switch (context.Request.Path.Value)
        {
            case "/echo":
                var tunnel = context.Features.Get<ITunnelConnectionFeature>();
                var h = context.Request.Headers;
                var text = $"origin={Name}\nhost={context.Request.Host}\npath={context.Request.Path}{context.Request.QueryString}\n" +
                    $"protocol={context.Request.Protocol}\ntunnel={tunnel?.TunnelId}\nxff={h["X-Forwarded-For"]}\n" +
                    $"xfproto={h["X-Forwarded-Proto"]}\nxfhost={h["X-Forwarded-Host"]}\nconnection={h.Connection}\n";
                await context.Response.WriteAsync(text, context.RequestAborted);
                break;
            case "/headers":
                await context.Response.WriteAsync(
                    string.Concat(context.Request.Headers.Select(header => $"{header.Key}: {header.Value}\n")),
                    context.RequestAborted);
                break;
            case "/download":
                await DownloadAsync(context);
                break;
            case "/upload":
                using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                {
                    var buffer = new byte[64 * 1024];
                    long total = 0;
                    int read;
                    while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        total += read;
                    }

                    await context.Response.WriteAsync($"{total} {Convert.ToHexStringLower(hash.GetHashAndReset())}", context.RequestAborted);
                }

                break;
            case "/sse":
                context.Response.ContentType = "text/event-stream";
                for (var i = 0; i < 5; i++)
                {
                    await context.Response.WriteAsync($"data: event {i}\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(300, context.RequestAborted);
                }

                break;
            case "/ws" when context.WebSockets.IsWebSocketRequest:
                using (var socket = await context.WebSockets.AcceptWebSocketAsync())
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var message = await socket.ReceiveAsync(buffer, context.RequestAborted);
                        if (message.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                            break;
                        }

                        var reply = Encoding.UTF8.GetBytes($"{Name}:{context.Request.Protocol}:" + Encoding.UTF8.GetString(buffer, 0, message.Count));
                        await socket.SendAsync(reply, System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
                    }
                }

                break;
            case "/hold":
                // Holds the request (the origin named "first" only) until the connection carrying it dies; any other
                // origin answers at once, so a request sent again elsewhere completes.
                var length = 0L;
                var chunk = new byte[4096];
                int n;
                while ((n = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
                {
                    length += n;
                }

                if (Name == "first")
                {
                    Held.TrySetResult();
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }

                await context.Response.WriteAsync($"origin={Name} method={context.Request.Method} body={length}", context.RequestAborted);
                break;
            case "/slow":
                await Task.Delay(500, context.RequestAborted);
                await context.Response.WriteAsync("slow done", context.RequestAborted);
                break;
            default:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("origin: not found", Encoding.UTF8, context.RequestAborted);
                break;
        }
    }

    private TaskCompletionSource AbortedById(string id) =>
        _abortedById.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task DownloadAsync(HttpContext context)
    {
        var megabytes = int.Parse(context.Request.Query["mb"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var id = context.Request.Query["id"].ToString();
        var abortedById = id.Length > 0 ? AbortedById(id) : null;
        var aborted = context.RequestAborted;
        using var registration = aborted.Register(() =>
        {
            DownloadAborted.TrySetResult();
            abortedById?.TrySetResult();
        });
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = (long)megabytes * Payload.BlockSize;
        var block = new byte[Payload.BlockSize];
        try
        {
            for (var i = 0; i < megabytes; i++)
            {
                Payload.FillBlock(i, block);
                var written = await context.Response.BodyWriter.WriteAsync(block, aborted);
                if (written.IsCompleted)
                {
                    // The stream was reset (RST_STREAM from the relay): Kestrel stops it at once, completes every write
                    // from here on without sending it, and raises RequestAborted later, from the thread pool. A handler
                    // that ignores this (Response.Body drops the FlushResult) runs to its end and unregisters its
                    // callback first, so the abort goes unseen. Stop producing, and stay until RequestAborted fires.
                    await Task.Delay(TimeSpan.FromSeconds(10), aborted);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }
}
