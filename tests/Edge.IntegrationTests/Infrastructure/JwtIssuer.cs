using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Self-signed ECDSA P-256 certificate plus ES256 JWT signing the way CNCF distribution verifies tokens (x5c header).</summary>
public sealed class JwtIssuer : IDisposable
{
    private readonly ECDsa _key;
    private readonly X509Certificate2 _certificate;

    /// <summary>Generates a fresh key and self-signed certificate valid from an hour ago for a day.</summary>
    public JwtIssuer(string subject = "CN=edge-test-token-signer")
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        _certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
    }

    /// <summary>The certificate in PEM form, suitable for distribution's <c>rootcertbundle</c>.</summary>
    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>Builds and signs a JWT with the given claims.</summary>
    public string Sign(JsonObject claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var header = new JsonObject
        {
            ["typ"] = "JWT",
            ["alg"] = "ES256",
            ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)),
        };
        var signingInput = Encode(header) + "." + Encode(claims);
        var signature = _key.SignData(
            Encoding.ASCII.GetBytes(signingInput),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
