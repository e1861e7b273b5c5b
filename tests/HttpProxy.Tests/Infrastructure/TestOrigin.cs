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
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.HttpProxy.Tests.Infrastructure;

/// <summary>
/// The web application behind the proxy: a real Kestrel on 127.0.0.1:0 (HTTP/1.1, and a second listener speaking
/// HTTP/2 in plain text, h2c) whose endpoints report what arrived and let a test hold a response open (gates), so
/// streaming is proven by order of events rather than by timing.
/// </summary>
internal sealed class TestOrigin : IAsyncDisposable
{
    public const int BlockSize = 1024 * 1024;

    private readonly WebApplication _app;

    private TestOrigin(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>The h2c listener (HTTP/2 with prior knowledge, as plain-text gRPC servers listen).</summary>
    public string H2cUrl { get; private set; } = "";

    /// <summary>Completes when <c>/hang</c> or <c>/sse-silent</c> got its request.</summary>
    public TaskCompletionSource RequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The protocol (HTTP/1.1, HTTP/2) of the last WebSocket handshake the origin accepted.</summary>
    public string? WebSocketHandshakeProtocol { get; private set; }

    /// <summary>Completes when <c>/grpc</c> received its request headers (the exchange is then duplex).</summary>
    public TaskCompletionSource<IHeaderDictionary> GrpcRequestHeaders { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Released by the test to let a gated response (<c>/gated</c>, <c>/sse</c>) continue.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <c>/upload</c> received its first bytes.</summary>
    public TaskCompletionSource FirstUploadBytes { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a held request (<c>/hold</c>, <c>/hang</c>) saw its RequestAborted fire.</summary>
    public TaskCompletionSource HeldRequestAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The close status and description the client's side sent on <c>/ws</c>.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> WebSocketClientClose { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The headers of the last WebSocket handshake the origin accepted.</summary>
    public IHeaderDictionary? WebSocketHandshakeHeaders { get; private set; }

    public static async Task<TestOrigin> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var origin = new TestOrigin(app);
        app.UseWebSockets();
        app.Run(origin.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        origin.Url = addresses[0];
        origin.H2cUrl = addresses[1];
        return origin;
    }

    /// <summary>Byte <paramref name="index"/> of every generated body.</summary>
    public static byte PatternByte(long index) => (byte)(index % 251);

    public static void FillPattern(long offset, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = PatternByte(offset + i);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var aborted = context.RequestAborted;
        switch (path)
        {
            case var _ when path.StartsWith("/echo", StringComparison.Ordinal):
                await EchoAsync(context);
                break;
            case "/gated":
                await GatedAsync(context);
                break;
            case "/upload":
                await UploadAsync(context);
                break;
            case "/sse":
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.WriteAsync("data: one\n\n", aborted);
                await context.Response.Body.FlushAsync(aborted);
                await Gate.Task.WaitAsync(aborted);
                await context.Response.WriteAsync("data: two\n\n", aborted);
                break;
            case "/hold":
                using (aborted.Register(() => HeldRequestAborted.TrySetResult()))
                {
                    await context.Response.WriteAsync("partial", CancellationToken.None);
                    await context.Response.Body.FlushAsync(CancellationToken.None);
                    await Task.Delay(Timeout.Infinite, aborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                }

                break;
            case "/sse-silent":
                // Headers, then nothing until the gate opens: a stream that is quiet for longer than any timeout.
                context.Response.ContentType = "text/event-stream";
                await context.Response.StartAsync(aborted);
                await context.Response.Body.FlushAsync(aborted);
                RequestArrived.TrySetResult();
                await Gate.Task.WaitAsync(aborted);
                await context.Response.WriteAsync("data: late\n\n", aborted);
                break;
            case "/grpc":
                await GrpcEchoAsync(context);
                break;
            case "/hang":
                RequestArrived.TrySetResult();
                using (aborted.Register(() => HeldRequestAborted.TrySetResult()))
                {
                    await Task.Delay(Timeout.Infinite, aborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                }

                break;
            case "/ws" when context.WebSockets.IsWebSocketRequest:
                await EchoWebSocketAsync(context);
                break;
            case "/ws-close" when context.WebSockets.IsWebSocketRequest:
                using (var socket = await context.WebSockets.AcceptWebSocketAsync())
                {
                    var buffer = new byte[1024];
                    await socket.ReceiveAsync(buffer, aborted);
                    await socket.CloseOutputAsync((WebSocketCloseStatus)4001, "origin-bye", aborted);
                    await socket.ReceiveAsync(buffer, aborted);
                }

                break;
            case "/ws-refuse":
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"test\"";
                await context.Response.WriteAsync("no", aborted);
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("origin: not found", aborted);
                break;
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        var request = context.Request;
        long length = 0;
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            length += read;
        }

        var h = request.Headers;
        var lines = new StringBuilder()
            .Append("method=").Append(request.Method).Append('\n')
            .Append("target=").Append(context.Features.Get<IHttpRequestFeature>()!.RawTarget).Append('\n')
            .Append("host=").Append(request.Host.Value).Append('\n')
            .Append("xff=").Append(h["X-Forwarded-For"].ToString()).Append('\n')
            .Append("xfproto=").Append(h["X-Forwarded-Proto"].ToString()).Append('\n')
            .Append("xfhost=").Append(h["X-Forwarded-Host"].ToString()).Append('\n')
            .Append("forwarded=").Append(h["Forwarded"].ToString()).Append('\n')
            .Append("xrealip=").Append(h["X-Real-IP"].ToString()).Append('\n')
            .Append("custom=").Append(h["X-Custom"].ToString()).Append('\n')
            .Append("keepalive=").Append(h["Keep-Alive"].ToString()).Append('\n')
            .Append("contenttype=").Append(request.ContentType).Append('\n')
            .Append("length=").Append(length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        context.Response.Headers["X-Origin"] = "yes";
        context.Response.Headers["X-Origin-Hop"] = "secret-hop";
        context.Response.Headers.Connection = "X-Origin-Hop";
        context.Response.Headers.Append("Set-Cookie", new Microsoft.Extensions.Primitives.StringValues(["a=1", "b=2"]));
        await context.Response.WriteAsync(lines.ToString(), context.RequestAborted);
    }

    private async Task GatedAsync(HttpContext context)
    {
        var megabytes = int.Parse(context.Request.Query["mb"].ToString(), CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = (long)megabytes * BlockSize;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var block = new byte[BlockSize];
        for (var i = 0; i < megabytes; i++)
        {
            if (i == 1)
            {
                await Gate.Task.WaitAsync(context.RequestAborted);
            }

            FillPattern((long)i * BlockSize, block);
            await context.Response.Body.WriteAsync(block, context.RequestAborted);
        }
    }

    private async Task UploadAsync(HttpContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            FirstUploadBytes.TrySetResult();
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        await context.Response.WriteAsync($"{total} {Convert.ToHexStringLower(hash.GetHashAndReset())} {context.Request.Headers.ContentLength?.ToString(CultureInfo.InvariantCulture) ?? "chunked"}", context.RequestAborted);
    }

    private async Task EchoWebSocketAsync(HttpContext context)
    {
        WebSocketHandshakeHeaders = new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        WebSocketHandshakeProtocol = context.Request.Protocol;
        var protocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();

        // permessage-deflate when the client offers it (the origin answers the offer in Sec-WebSocket-Extensions).
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = protocol, DangerousEnableCompression = true });
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var frame = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                WebSocketClientClose.TrySetResult((socket.CloseStatus, socket.CloseStatusDescription));
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatus is null ? null : socket.CloseStatusDescription, context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, frame.Count), frame.MessageType, frame.EndOfMessage, context.RequestAborted);
        }
    }

    /// <summary>
    /// A gRPC-style bidirectional stream: each length-prefixed message of the request is answered at once with
    /// "echo:" + the message (so the client can wait for an answer before it sends the next), then trailers
    /// <c>grpc-status: 0</c> and <c>grpc-message</c>; a message "fail" ends with <c>grpc-status: 5</c> instead.
    /// </summary>
    private async Task GrpcEchoAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        GrpcRequestHeaders.TrySetResult(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase)));
        context.Response.ContentType = "application/grpc";
        var status = "0";
        var header = new byte[5];
        while (true)
        {
            try
            {
                await context.Request.Body.ReadExactlyAsync(header, aborted);
            }
            catch (EndOfStreamException)
            {
                break;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
            var message = new byte[length];
            await context.Request.Body.ReadExactlyAsync(message, aborted);
            if (Encoding.UTF8.GetString(message) == "fail")
            {
                status = "5";
                break;
            }

            await context.Response.Body.WriteAsync(Frame("echo:" + Encoding.UTF8.GetString(message)), aborted);
            await context.Response.Body.FlushAsync(aborted);
        }

        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()!.Trailers;
        trailers["grpc-status"] = status;
        trailers["grpc-message"] = status == "0" ? "done" : "not found";
    }

    /// <summary>A gRPC message frame: uncompressed flag, big-endian length, payload.</summary>
    public static byte[] Frame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
