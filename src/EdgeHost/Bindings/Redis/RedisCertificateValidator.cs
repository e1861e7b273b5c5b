using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Host.Bindings.Redis;

/// <summary>
/// Decides whether a <c>rediss://</c> server's certificate is trusted: by the system store, or by the
/// certificates of <c>Edge:KeyValue:CaCertificatePath</c> (a private CA or the server's self-signed certificate).
/// The name must always match; there is no switch to turn checking off.
/// </summary>
internal sealed class RedisCertificateValidator(X509Certificate2Collection? trusted)
{
    private readonly X509Certificate2Collection? trusted = trusted is { Count: > 0 } ? trusted : null;

    /// <summary>Null when trusted for <paramref name="host"/>; otherwise why not, for the exception message.</summary>
    public string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server sent no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"its certificate ({certificate.Subject}) is not valid for the name '{host}'";
        }

        var system = Describe(chain?.ChainStatus);
        if (trusted is null)
        {
            return $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not trusted by the system store ({system}); set Edge:KeyValue:CaCertificatePath to trust a private CA";
        }

        // Chain errors only: build again with the configured certificates as the trust anchors. Private CAs
        // seldom publish revocation lists, and the system check above does not fetch them either.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf)
            ? null
            : $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) is trusted neither by the system store ({system}) nor by Edge:KeyValue:CaCertificatePath ({Describe(custom.ChainStatus)})";
    }

    private static string Describe(X509ChainStatus[]? status) =>
        status is { Length: > 0 } ? string.Join(", ", status.Select(s => s.Status).Distinct()) : "chain not valid";
}
