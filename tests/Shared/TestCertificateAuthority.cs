using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Tests.Shared;

/// <summary>
/// A throwaway certificate authority for TLS tests (linked into each test project that needs it): issues server
/// certificates for given names, writes PEM/PFX files, and validates a server's chain against itself only.
/// </summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private readonly ECDsa _key;

    private TestCertificateAuthority(string name, TestCertificateAuthority? parent)
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        if (parent is null)
        {
            Certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        }
        else
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(parent.Certificate, true, false));
            using var issued = request.Create(parent.Certificate, now.AddDays(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(12));
            Certificate = issued.CopyWithPrivateKey(_key);
        }
    }

    /// <summary>The CA certificate (with its key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate as PEM.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    public static TestCertificateAuthority Create(string name = "Edge Test CA") => new(name, null);

    /// <summary>An intermediate CA issued by this one (servers must send it with their certificate).</summary>
    public TestCertificateAuthority CreateIntermediate(string name = "Edge Test Intermediate") => new(name, this);

    /// <summary>A server certificate (with its private key) for <paramref name="dnsNames"/> and 127.0.0.1.</summary>
    public X509Certificate2 Issue(params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={(dnsNames.Length > 0 ? dnsNames[0] : "127.0.0.1")}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Certificate, now.AddDays(-1), now.AddDays(90), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate (then <paramref name="chain"/>, as in a fullchain.pem) and its key as PEM files
    /// <c>NAME.crt</c> and <c>NAME.key</c> in <paramref name="directory"/>.</summary>
    public static (string CertificatePath, string KeyPath) WritePem(X509Certificate2 certificate, string directory, string name, params X509Certificate2[] chain)
    {
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, string.Concat(new[] { certificate }.Concat(chain).Select(c => c.ExportCertificatePem() + "\n")));
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no ECDSA private key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>Writes the CA certificate as PEM to <paramref name="path"/>.</summary>
    public string WriteCertificatePem(string path)
    {
        File.WriteAllText(path, CertificatePem);
        return path;
    }

    /// <summary>True when <paramref name="certificate"/> chains to this CA (and nothing else) and the name matched;
    /// intermediates come only from what the server sent (<paramref name="presented"/>).</summary>
    public bool Validates(X509Certificate? certificate, SslPolicyErrors errors, X509Chain? presented = null)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
