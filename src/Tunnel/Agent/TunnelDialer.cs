using Edge.Tls;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Edge.Tunnel.Agent;

/// <summary>Opens one agent connection: TCP (+TLS), the upgrade request, the relay's answer.</summary>
internal static class TunnelDialer
{
    private const int MaxResponseHeadBytes = 8 * 1024;

    public static async Task<TunnelDialResult> DialAsync(TunnelAgentOptions options, PeerCertificateValidator validator, CancellationToken cancellationToken)
    {
        var relay = options.RelayUri!;
        string? rejection = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        Stream? stream = null;
        try
        {
            // 1. TCP, no Nagle: HTTP/2 frames are small and latency matters more than packet count.
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(relay.DnsSafeHost, relay.Port, timeout.Token);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            stream = new NetworkStream(socket, ownsSocket: true);

            // 2. TLS when the relay URI says so: the system store or CaCertificatePath must vouch for the relay, for
            //    its name. ALPN asks for HTTP/1.1, the protocol of the upgrade (a TLS front may require ALPN).
            if (relay.Scheme == Uri.UriSchemeHttps)
            {
                var host = relay.DnsSafeHost;
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = host,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                            (rejection = validator.Check(certificate, chain, errors, host)) is null,
                    },
                    timeout.Token);
            }

            // 3. The upgrade request.
            var request = string.Create(CultureInfo.InvariantCulture, $"GET {TunnelProtocol.ConnectPath} HTTP/1.1\r\nHost: {relay.Authority}\r\nConnection: Upgrade\r\nUpgrade: {TunnelProtocol.UpgradeToken}\r\nAuthorization: Bearer {options.Token}\r\n{TunnelProtocol.TunnelIdHeader}: {options.TunnelId}\r\n{TunnelProtocol.AgentIdHeader}: {options.AgentId}\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
            await stream.FlushAsync(timeout.Token);

            // 4. The answer: read byte by byte up to the blank line so not one byte of HTTP/2 after it is consumed.
            var status = await ReadStatusAsync(stream, timeout.Token);
            if (status == 101)
            {
                var connected = stream;
                stream = null;
                return TunnelDialResult.Connected(connected);
            }

            return status is 401 or 403
                ? TunnelDialResult.Refusal($"relay refused the tunnel credentials ({status})")
                : TunnelDialResult.Failure($"relay answered {status} instead of 101");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TunnelDialResult.Failure($"handshake with {relay.Authority} timed out after {options.HandshakeTimeout}");
        }
        catch (System.Security.Authentication.AuthenticationException) when (rejection is not null)
        {
            return TunnelDialResult.Failure($"{relay.Authority}: {rejection}");
        }
        catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException or InvalidDataException)
        {
            return TunnelDialResult.Failure($"{relay.Authority}: {ex.Message}");
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static async Task<int> ReadStatusAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[MaxResponseHeadBytes];
        var length = 0;
        while (true)
        {
            if (length == head.Length)
            {
                throw new InvalidDataException("relay response head too large");
            }

            var read = await stream.ReadAsync(head.AsMemory(length, 1), cancellationToken);
            if (read == 0)
            {
                throw new IOException("relay closed the connection during the handshake");
            }

            length++;
            if (length >= 4 && head[length - 4] == '\r' && head[length - 3] == '\n' && head[length - 2] == '\r' && head[length - 1] == '\n')
            {
                break;
            }
        }

        // "HTTP/1.1 101 Switching Protocols"
        var line = Encoding.ASCII.GetString(head, 0, Math.Min(length, 64));
        if (line.Length < 12 || !line.StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(line.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new InvalidDataException("relay sent a malformed status line");
        }

        return status;
    }
}
