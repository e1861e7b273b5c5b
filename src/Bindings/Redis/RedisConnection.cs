using Edge.Tls;
using System.Net.Security;
using System.Net.Sockets;

namespace Edge.Bindings.Redis;

/// <summary>
/// One connection to Redis, used by one caller at a time (the pool sees to that): commands are written as a
/// pipeline and their replies read in order. Any failure or cancellation mid-exchange leaves the stream at an
/// unknown position, so the connection marks itself broken and is never reused.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly Socket socket;
    private readonly Stream stream;
    private readonly RespReader reader;
    private readonly RespWriter writer;

    private RedisConnection(Socket socket, Stream stream)
    {
        this.socket = socket;
        this.stream = stream;
        reader = new RespReader(stream);
        writer = new RespWriter(stream);
    }

    /// <summary>True once an exchange failed; the connection must then be disposed, not reused.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>
    /// Opens a connection: TCP, TLS when configured (the certificate checked by <paramref name="validator"/>), then
    /// AUTH and SELECT as one pipeline. Failures surface as the transport's exceptions or a
    /// <see cref="RedisException"/> carrying Redis's refusal; the caller bounds the time through the token.
    /// </summary>
    public static async Task<RedisConnection> OpenAsync(RedisKeyValueOptions options, PeerCertificateValidator? validator, CancellationToken cancellationToken)
    {
        // 1. TCP (both address families for a host name; no Nagle delay, since every exchange is a request-reply).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);

            // 2. TLS.
            if (options.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                string? rejection = null;
                try
                {
                    await tls.AuthenticateAsClientAsync(
                        new SslClientAuthenticationOptions
                        {
                            TargetHost = options.Host,
                            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                                (rejection = validator!.Check(certificate, chain, errors, options.Host)) is null,
                        },
                        cancellationToken);
                }
                catch (System.Security.Authentication.AuthenticationException ex) when (rejection is not null)
                {
                    throw new RedisException($"TLS with Redis at {options.Endpoint} failed: {rejection}.", ex);
                }
            }

            // 3. AUTH and SELECT.
            var connection = new RedisConnection(socket, stream);
            var handshake = new List<RedisCommand>(2);
            if (options.Password is not null)
            {
                handshake.Add(options.Username is null
                    ? RedisCommand.Create("AUTH", options.Password)
                    : RedisCommand.Create("AUTH", options.Username, options.Password));
            }

            if (options.Database != 0)
            {
                handshake.Add(RedisCommand.Create("SELECT", options.Database));
            }

            if (handshake.Count > 0)
            {
                var replies = await connection.ExecuteAsync(handshake, cancellationToken);
                for (var i = 0; i < replies.Length; i++)
                {
                    if (replies[i].Kind == RespKind.Error)
                    {
                        connection.Dispose();
                        throw new RedisException($"Redis at {options.Endpoint} refused {handshake[i].Name}: {replies[i].Text}") { ServerError = replies[i].Text };
                    }
                }
            }

            return connection;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>Sends <paramref name="commands"/> in one write and reads one reply for each, in order.</summary>
    public async Task<RespReply[]> ExecuteAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        try
        {
            await writer.WriteAsync(commands, cancellationToken);
            var replies = new RespReply[commands.Count];
            for (var i = 0; i < replies.Length; i++)
            {
                replies[i] = await reader.ReadAsync(cancellationToken);
            }

            return replies;
        }
        catch
        {
            IsBroken = true;
            throw;
        }
    }

    /// <summary>
    /// False when the idle connection has been closed by the server (or anything arrived unasked, which RESP2
    /// without pub/sub never sends): a readable idle socket means end of stream or garbage.
    /// </summary>
    public bool LooksAlive()
    {
        try
        {
            return !IsBroken && !socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        IsBroken = true;
        stream.Dispose();
    }
}
