using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.IntegrationTests.Tunnel;

/// <summary>
/// The local web app an <c>edge serve</c> agent exposes with <c>builtin:http-proxy</c>: a real Kestrel on
/// 127.0.0.1:0 in the test process. Downloads are generated and hashed as they are sent, uploads hashed as they
/// arrive, so gigabytes pass through without being stored anywhere.
/// </summary>
internal sealed class TunnelOrigin : IAsyncDisposable
{
    public const int BlockSize = 1024 * 1024;

    private static readonly byte[] s_block = CreateBlock();
    private readonly WebApplication _app;

    private TunnelOrigin(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Byte count and SHA-256 of each finished <c>/download?id=ID</c>, by ID.</summary>
    public ConcurrentDictionary<string, (long Bytes, string Sha256)> Sent { get; } = new(StringComparer.Ordinal);

    /// <summary>Released by the test to let <c>/sse</c> send its later events.</summary>
    public TaskCompletionSource SseGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The close status and description the client sent on <c>/ws</c>.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> WebSocketClientClose { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<TunnelOrigin> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
            k.Limits.MinResponseDataRate = null;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var origin = new TunnelOrigin(app);
        app.UseWebSockets();
        app.Run(origin.HandleAsync);
        await app.StartAsync();
        origin.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return origin;
    }

    /// <summary>Block <paramref name="index"/> of every generated body: one random MiB stamped with its index.</summary>
    public static void FillBlock(long index, Span<byte> destination)
    {
        s_block.CopyTo(destination);
        BitConverter.TryWriteBytes(destination, index);
    }

    public async ValueTask DisposeAsync()
    {
        SseGate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static byte[] CreateBlock()
    {
        var block = new byte[BlockSize];
        new Random(20250101).NextBytes(block);
        return block;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        switch (context.Request.Path.Value)
        {
            case "/echo":
                var h = context.Request.Headers;
                await context.Response.WriteAsync(
                    $"host={context.Request.Host}\nxff={h["X-Forwarded-For"]}\nxfproto={h["X-Forwarded-Proto"]}\nxfhost={h["X-Forwarded-Host"]}\n",
                    aborted);
                break;
            case "/download":
                await DownloadAsync(context);
                break;
            case "/upload":
                await UploadAsync(context);
                break;
            case "/sse":
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.WriteAsync("id: 1\ndata: first\n\n", aborted);
                await context.Response.Body.FlushAsync(aborted);
                await SseGate.Task.WaitAsync(aborted);
                for (var i = 2; i <= 3; i++)
                {
                    await context.Response.WriteAsync($"id: {i}\ndata: event {i}\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                }

                break;
            case "/ws" when context.WebSockets.IsWebSocketRequest:
                await EchoWebSocketAsync(context);
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("origin: not found", aborted);
                break;
        }
    }

    private async Task DownloadAsync(HttpContext context)
    {
        var bytes = long.Parse(context.Request.Query["bytes"].ToString(), CultureInfo.InvariantCulture);
        var id = context.Request.Query["id"].ToString();
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = bytes;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[BlockSize];
        long sent = 0;
        for (long index = 0; sent < bytes; index++)
        {
            FillBlock(index, block);
            var count = (int)Math.Min(BlockSize, bytes - sent);
            hash.AppendData(block, 0, count);
            sent += count;
            if (sent == bytes)
            {
                // Recorded before the last write: the client may check it as soon as its last byte arrives.
                Sent[id] = (sent, Convert.ToHexStringLower(hash.GetHashAndReset()));
            }

            await context.Response.Body.WriteAsync(block.AsMemory(0, count), context.RequestAborted);
        }
    }

    private static async Task UploadAsync(HttpContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        await context.Response.WriteAsync($"{total} {Convert.ToHexStringLower(hash.GetHashAndReset())}", context.RequestAborted);
    }

    private async Task EchoWebSocketAsync(HttpContext context)
    {
        var protocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        var buffer = new byte[64 * 1024];
        var prefix = Encoding.UTF8.GetBytes($"{context.Request.Protocol} ");
        var messageStart = true;
        while (true)
        {
            var frame = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                WebSocketClientClose.TrySetResult((socket.CloseStatus, socket.CloseStatusDescription));
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatus is null ? null : socket.CloseStatusDescription, context.RequestAborted);
                return;
            }

            // Text messages come back prefixed with the protocol the origin saw, binary ones unchanged.
            if (frame.MessageType == WebSocketMessageType.Text && messageStart)
            {
                await socket.SendAsync(prefix, WebSocketMessageType.Text, false, context.RequestAborted);
            }

            await socket.SendAsync(buffer.AsMemory(0, frame.Count), frame.MessageType, frame.EndOfMessage, context.RequestAborted);
            messageStart = frame.EndOfMessage;
        }
    }
}
