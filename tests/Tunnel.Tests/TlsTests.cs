using Edge.Tests.Shared;
using Edge.Tunnel.Agent;
using Edge.Tunnel.Tests.Infrastructure;

namespace Edge.Tunnel.Tests;

/// <summary>The agent dialing a relay over TLS whose certificate comes from a private CA.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("edge-tunnel-tls-");
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create("Relay Test CA");

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Delete(recursive: true);
    }

    private static TunnelAgentOptions HttpsAgent(RelayHost relay, string? caPath)
    {
        var options = OriginHost.AgentOptions(new Uri($"https://localhost:{relay.HttpsPort}"));
        options.CaCertificatePath = caPath;
        return options;
    }

    private static async Task<TunnelAgentStatus> FirstFailureAsync(OriginHost origin)
    {
        var status = origin.Tunnel.Status;
        for (var i = 0; i < 200 && status.FailedDials == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(status.FailedDials > 0, "no dial failed");
        return status;
    }

    [Fact]
    public async Task Agent_RelayCertificateFromPrivateCa_TrustedThroughCaCertificatePath_Serves()
    {
        using var certificate = _ca.Issue("localhost");
        await using var relay = await RelayHost.StartAsync(httpsCertificate: certificate);
        var caPath = _ca.WriteCertificatePem(Path.Combine(_dir.FullName, "ca.pem"));

        await using var origin = await OriginHost.StartAsync(HttpsAgent(relay, caPath));
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new PublicClient(relay.Port);
        var (status, body) = await client.GetStringAsync("app.test", "/echo");

        Assert.Equal(200, status);
        Assert.StartsWith("origin=origin\n", body, StringComparison.Ordinal);
        Assert.Equal(TunnelAgentState.Ready, origin.Tunnel.Status.State);
    }

    [Fact]
    public async Task PublicEntryOverHttps_ForwardedProtoIsHttps()
    {
        using var certificate = _ca.Issue("app.test");
        await using var relay = await RelayHost.StartAsync(httpsCertificate: certificate);
        await using var origin = await OriginHost.StartAsync(OriginHost.AgentOptions(relay.Uri));
        await relay.WaitForConnectionsAsync("t1", 2);
        using var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, relay.HttpsPort, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, errors) => _ca.Validates(presented, errors),
            },
        });

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri($"https://app.test:{relay.HttpsPort}/echo")), CancellationToken.None);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("\nxfproto=https\n", body, StringComparison.Ordinal);
        Assert.Contains($"\nxfhost=app.test:{relay.HttpsPort}\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_RelayCertificateFromAnotherCa_NotReadyWithClearLastError()
    {
        using var certificate = _ca.Issue("localhost");
        await using var relay = await RelayHost.StartAsync(httpsCertificate: certificate);
        using var other = TestCertificateAuthority.Create("Some Other CA");
        var otherPath = other.WriteCertificatePem(Path.Combine(_dir.FullName, "other.pem"));

        await using var origin = await OriginHost.StartAsync(HttpsAgent(relay, otherPath));
        var status = await FirstFailureAsync(origin);

        Assert.Equal(0, status.ConnectedConnections);
        Assert.Equal(TunnelAgentState.Connecting, status.State);
        Assert.Contains("is trusted neither by the system store", status.LastError, StringComparison.Ordinal);
        Assert.Contains("CaCertificatePath", status.LastError, StringComparison.Ordinal);
        Assert.Contains("CN=localhost", status.LastError, StringComparison.Ordinal);
        Assert.Equal(0, relay.Relay.GetStatus().SingleOrDefault(s => s.TunnelId == "t1")?.Connections ?? 0);
    }

    [Fact]
    public async Task Agent_PrivateCaWithoutCaCertificatePath_SaysHowToTrustIt()
    {
        using var certificate = _ca.Issue("localhost");
        await using var relay = await RelayHost.StartAsync(httpsCertificate: certificate);

        await using var origin = await OriginHost.StartAsync(HttpsAgent(relay, null));
        var status = await FirstFailureAsync(origin);

        Assert.Equal(0, status.ConnectedConnections);
        Assert.Contains("not trusted by the system store", status.LastError, StringComparison.Ordinal);
        Assert.Contains("set CaCertificatePath", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_CertificateForAnotherName_RefusedEvenWithTheRightCa()
    {
        using var certificate = _ca.Issue("relay.other.test");
        await using var relay = await RelayHost.StartAsync(httpsCertificate: certificate);
        var caPath = _ca.WriteCertificatePem(Path.Combine(_dir.FullName, "ca.pem"));

        await using var origin = await OriginHost.StartAsync(HttpsAgent(relay, caPath));
        var status = await FirstFailureAsync(origin);

        Assert.Equal(0, status.ConnectedConnections);
        Assert.Contains("is not valid for the name 'localhost'", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_CaCertificatePath_ValidatedAtStartup()
    {
        var garbage = Path.Combine(_dir.FullName, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        var ca = _ca.WriteCertificatePem(Path.Combine(_dir.FullName, "ca.pem"));
        IReadOnlyList<string> Errors(string relay, string path) => new TunnelAgentOptions
        {
            RelayUri = new Uri(relay),
            TunnelId = "t1",
            Token = "token",
            CaCertificatePath = path,
        }.Validate();

        Assert.Empty(Errors("https://relay.test", ca));
        Assert.Equal(["CaCertificatePath needs an https:// RelayUri"], Errors("http://relay.test", ca));
        Assert.Contains("does not exist", Assert.Single(Errors("https://relay.test", Path.Combine(_dir.FullName, "missing.pem"))), StringComparison.Ordinal);
        Assert.Contains("holds no readable certificate", Assert.Single(Errors("https://relay.test", garbage)), StringComparison.Ordinal);
    }
}
