using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Edge.Host.Configuration;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Host.Tests.Hosting;

public sealed class ServerCertificatesTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create();

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    private CertificateOptions Pem(string name, params string[] dnsNames)
    {
        using var certificate = _ca.Issue(dnsNames);
        var (certificatePath, keyPath) = TestCertificateAuthority.WritePem(certificate, _dir.Path, name);
        return new CertificateOptions { CertificatePath = certificatePath, KeyPath = keyPath };
    }

    private static ServerCertificates Load(params CertificateOptions[] options)
    {
        var errors = new List<string>();
        var loaded = ServerCertificates.Load(options, "Relay:Certificates", errors);
        Assert.Empty(errors);
        return loaded!;
    }

    private static List<string> Errors(params CertificateOptions[] options)
    {
        var errors = new List<string>();
        Assert.Null(ServerCertificates.Load(options, "Relay:Certificates", errors));
        return errors;
    }

    [Fact]
    public void Select_BySniName_ExactThenOneLabelWildcardThenDefault()
    {
        var registry = Pem("registry", "registry.example.test");
        registry.Hosts = ["registry.example.test"];
        var apps = Pem("apps", "*.apps.example.test");
        apps.Hosts = ["*.apps.example.test"];
        using var certificates = Load(registry, apps);

        Assert.Equal(0, certificates.Select("registry.example.test").Index);
        Assert.Equal(0, certificates.Select("REGISTRY.example.test.").Index);
        Assert.Equal(1, certificates.Select("web.apps.example.test").Index);
        Assert.Equal(0, certificates.Select("a.b.apps.example.test").Index);
        Assert.Equal(0, certificates.Select("unknown.test").Index);
        Assert.Equal(0, certificates.Select(null).Index);

        apps.Default = true;
        using var withDefault = Load(registry, apps);
        Assert.Equal(1, withDefault.Select(null).Index);
        Assert.Equal(0, withDefault.Select("registry.example.test").Index);
    }

    [Fact]
    public void Load_HostsOmitted_TakenFromTheCertificatesNames()
    {
        using var certificates = Load(Pem("first", "first.test"), Pem("both", "one.test", "two.test"));

        Assert.Equal(["one.test", "two.test"], certificates.Certificates[1].Hosts);
        Assert.Equal(1, certificates.Select("two.test").Index);
        Assert.Equal(0, certificates.Select("first.test").Index);
    }

    [Fact]
    public void Load_PfxWithPasswordAndEncryptedPemKey_Load()
    {
        using var certificate = _ca.Issue("pfx.test");
        var pfx = _dir.Combine("server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-secret"));
        using var pem = _ca.Issue("pem.test");
        var encrypted = new CertificateOptions { CertificatePath = _dir.Combine("encrypted.crt"), KeyPath = _dir.Combine("encrypted.key") };
        File.WriteAllText(encrypted.CertificatePath, pem.ExportCertificatePem());
        using (var key = pem.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(encrypted.KeyPath, key.ExportEncryptedPkcs8PrivateKeyPem("pem-secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        }

        encrypted.Password = "pem-secret";
        using var certificates = Load(new CertificateOptions { CertificatePath = pfx, Password = "pfx-secret" }, encrypted);

        Assert.Equal("CN=pfx.test", certificates.Select("pfx.test").Leaf.Subject);
        Assert.Equal("CN=pem.test", certificates.Select("pem.test").Leaf.Subject);
        var wrong = Errors(new CertificateOptions { CertificatePath = pfx, Password = "not-the-password" });
        Assert.StartsWith("Relay:Certificates:0: could not load the certificate '" + pfx + "'", Assert.Single(wrong), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", wrong.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EveryProblem_ReportedWithItsKeyAndFile()
    {
        var mismatched = Pem("mismatched", "mismatched.test");
        mismatched.KeyPath = Pem("other", "other.test").KeyPath;
        var garbage = Pem("garbage", "garbage.test");
        File.WriteAllText(garbage.KeyPath!, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        var badHost = Pem("bad-host", "bad.test");
        badHost.Hosts = ["bad.test:443"];
        var pfxWithKey = new CertificateOptions { CertificatePath = garbage.CertificatePath![..^4] + ".pfx", KeyPath = garbage.KeyPath };
        File.WriteAllText(pfxWithKey.CertificatePath, "x");
        var missingKey = Pem("missing-key", "missing-key.test");
        missingKey.KeyPath = _dir.Combine("nope.key");
        var twice = Pem("twice", "mismatched.test");
        twice.Default = true;
        var twiceAgain = Pem("twice-again", "again.test");
        twiceAgain.Default = true;

        var errors = Errors(
            new CertificateOptions { CertificatePath = _dir.Combine("missing.crt") },
            missingKey,
            garbage,
            mismatched,
            badHost,
            pfxWithKey,
            new CertificateOptions { KeyPath = garbage.KeyPath },
            twice,
            twiceAgain);

        Assert.Contains($"Relay:Certificates:0: certificate file '{_dir.Combine("missing.crt")}' does not exist", errors);
        Assert.Contains($"Relay:Certificates:1: key file '{_dir.Combine("nope.key")}' does not exist", errors);
        Assert.Contains(errors, e => e.StartsWith($"Relay:Certificates:2: could not load the certificate '{garbage.CertificatePath}' with the key '{garbage.KeyPath}'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"Relay:Certificates:3: could not load the certificate '{mismatched.CertificatePath}' with the key '{mismatched.KeyPath}'", StringComparison.Ordinal));
        Assert.Contains("Relay:Certificates:4:Hosts: 'bad.test:443' must be a host name or *.parent (no port, no path)", errors);
        Assert.Contains(errors, e => e.StartsWith("Relay:Certificates:5: KeyPath is for PEM certificates", StringComparison.Ordinal));
        Assert.Contains("Relay:Certificates:6: CertificatePath is required", errors);
        Assert.Contains("Relay:Certificates: only one certificate may be the Default (entries 7, 8 are)", errors);
        Assert.Equal(8, errors.Count);
    }

    [Fact]
    public void Load_SameHostTwice_Error()
    {
        var errors = Errors(Pem("a", "same.test"), Pem("b", "same.test", "b.test"));

        Assert.Equal(["Relay:Certificates: host 'same.test' is listed by certificates 0 and 1"], errors);
    }

    [Fact]
    public void Checks_WarnBeforeExpiry_OncePerInterval_ThenReportExpiry()
    {
        // The test CA issues certificates valid for 90 days from now; the clock is moved instead of waiting.
        using var certificates = Load(Pem("expiring", "expiring.test"));
        var notAfter = certificates.Select("expiring.test").Leaf.NotAfter.ToUniversalTime();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logger = new ListLogger();
        certificates.Start(time, logger);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning);

        // 10 days before expiry: one warning with the key, the date and the days left.
        time.Advance(notAfter - time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(10));
        certificates.CheckForChanges();
        var warning = Assert.Single(logger.Entries, e => e.EventId == 34);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Relay:Certificates:0 (CN=expiring.test) expires at", warning.Message, StringComparison.Ordinal);
        Assert.Contains("in 10 days", warning.Message, StringComparison.Ordinal);

        // Later checks the same day stay quiet; a day later it is said again.
        time.Advance(ServerCertificates.ReloadInterval);
        certificates.CheckForChanges();
        Assert.Single(logger.Entries, e => e.EventId == 34);
        time.Advance(ServerCertificates.ExpiryWarningInterval);
        certificates.CheckForChanges();
        Assert.Equal(2, logger.Entries.Count(e => e.EventId == 34));

        // Past expiry: an error.
        time.Advance(TimeSpan.FromDays(10));
        certificates.CheckForChanges();
        var expired = Assert.Single(logger.Entries, e => e.EventId == 35);
        Assert.Equal(LogLevel.Error, expired.Level);
        Assert.Contains("expired at", expired.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckForChanges_RenewedFiles_ServeTheNewCertificate_BrokenOnesKeepTheLast()
    {
        var options = Pem("renewed", "renewed.test");
        using var certificates = Load(options);
        var first = certificates.Select("renewed.test").Leaf.Thumbprint;

        using (var renewed = _ca.Issue("renewed.test"))
        {
            TestCertificateAuthority.WritePem(renewed, _dir.Path, "renewed");
        }

        File.SetLastWriteTimeUtc(options.CertificatePath!, DateTime.UtcNow.AddMinutes(1));
        certificates.CheckForChanges();
        var second = certificates.Select("renewed.test").Leaf.Thumbprint;

        File.WriteAllText(options.KeyPath!, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        File.SetLastWriteTimeUtc(options.KeyPath!, DateTime.UtcNow.AddMinutes(2));
        certificates.CheckForChanges();

        Assert.NotEqual(first, second);
        Assert.Equal(second, certificates.Select("renewed.test").Leaf.Thumbprint);
    }

    [Fact]
    public async Task Serve_Https_SendsTheIntermediatesOfAFullChainPem()
    {
        using var intermediate = _ca.CreateIntermediate();
        using var leaf = intermediate.Issue("chain.test");
        var (crt, key) = TestCertificateAuthority.WritePem(leaf, _dir.Path, "chain", intermediate.Certificate);
        await using var app = EdgeApplication.Build(null, [], new Dictionary<string, string?>
        {
            ["urls"] = "https://127.0.0.1:0",
            ["Edge:DataDirectory"] = _dir.Combine("data"),
            ["Edge:Certificates:0:CertificatePath"] = crt,
            ["Edge:Certificates:0:KeyPath"] = key,
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        var chainLength = 0;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = "chain.test",
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    chainLength = chain?.ChainElements.Count ?? 0;
                    return _ca.Validates(certificate, errors, chain);
                },
            },
        });

        // The client knows only the root: validation passes only if the server sent the intermediate.
        using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/_edge/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(chainLength >= 2, $"chain of {chainLength}");
        await app.StopAsync();
    }

    [Fact]
    public void Build_HttpsUrlWithoutCertificate_NamesTheKeyToSet()
    {
        var edge = Assert.Throws<EdgeConfigurationException>(() => EdgeApplication.Build(null, [], new Dictionary<string, string?>
        {
            ["urls"] = "https://127.0.0.1:0",
            ["Edge:DataDirectory"] = _dir.Combine("data"),
        }));
        var relay = Assert.Throws<EdgeConfigurationException>(() => RelayApplication.Build(null, [], new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0;https://127.0.0.1:0",
            ["Relay:ShutdownTimeout"] = "-00:00:01",
        }));

        Assert.Equal(["urls: 'https://127.0.0.1:0' needs a certificate: set Edge:Certificates:0:CertificatePath (with KeyPath for PEM, or Password for PFX)."], edge.Errors);
        Assert.Contains("urls: 'https://127.0.0.1:0' needs a certificate: set Relay:Certificates:0:CertificatePath (with KeyPath for PEM, or Password for PFX).", relay.Errors);
        Assert.Contains("Relay:ShutdownTimeout must be positive", relay.Errors);
    }

    [Fact]
    public async Task Serve_Https_CertificateBySniAndHttp2()
    {
        var one = Pem("one", "one.test");
        var two = Pem("two", "two.test");
        await using var app = EdgeApplication.Build(null, [], new Dictionary<string, string?>
        {
            ["urls"] = "https://127.0.0.1:0",
            ["Edge:DataDirectory"] = _dir.Combine("data"),
            ["Edge:Certificates:0:CertificatePath"] = one.CertificatePath,
            ["Edge:Certificates:0:KeyPath"] = one.KeyPath,
            ["Edge:Certificates:1:CertificatePath"] = two.CertificatePath,
            ["Edge:Certificates:1:KeyPath"] = two.KeyPath,
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        string? presented = null;
        using var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    presented = (certificate as X509Certificate2)?.Subject;
                    return _ca.Validates(certificate, errors);
                },
            },
        });

        async Task<(HttpStatusCode Status, Version Version, string? Subject)> GetAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://{host}:{port}/_edge/health"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await client.SendAsync(request, CancellationToken.None);
            return (response.StatusCode, response.Version, presented);
        }

        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20, "CN=two.test"), await GetAsync("two.test"));
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20, "CN=one.test"), await GetAsync("one.test"));
        await app.StopAsync();
    }
}
