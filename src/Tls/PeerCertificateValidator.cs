using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Tls;

/// <summary>
/// Decides whether a TLS peer's certificate is trusted: by the system store, or through the certificates of a configured
/// CA file (a private CA, or the peer's own self-signed certificate). The host name must always match; validation is never
/// turned off. A rejection says why, naming the peer and the setting that adds trust. Used for the tunnel agent's relay
/// and for <c>rediss://</c> key-value stores.
/// </summary>
public sealed class PeerCertificateValidator
{
    /// <summary>The message of the exception <see cref="LoadCertificates"/> throws for a file without a certificate.</summary>
    public const string NoCertificateMessage = "no CERTIFICATE block found";

    private readonly X509Certificate2Collection? _extraRoots;
    private readonly string _peer;
    private readonly string _caSetting;

    /// <summary>Creates a validator.</summary>
    /// <param name="extraRoots">Trust anchors besides the system store, or null.</param>
    /// <param name="peer">The peer in messages, e.g. "the relay".</param>
    /// <param name="caSetting">The setting that adds trust anchors, e.g. "CaCertificatePath".</param>
    public PeerCertificateValidator(X509Certificate2Collection? extraRoots, string peer, string caSetting)
    {
        _extraRoots = extraRoots is { Count: > 0 } ? extraRoots : null;
        _peer = peer;
        _caSetting = caSetting;
    }

    /// <summary>Loads the certificates of a PEM file (one or more) or a DER file.</summary>
    /// <exception cref="CryptographicException">The file holds no readable certificate.</exception>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        var text = File.ReadAllText(path);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            collection.ImportFromPem(text);
        }
        else
        {
            collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        if (collection.Count == 0)
        {
            throw new CryptographicException(NoCertificateMessage);
        }

        return collection;
    }

    /// <summary>Null when the certificate is trusted for <paramref name="host"/>; otherwise the reason.</summary>
    public string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return $"TLS: {_peer} sent no certificate";
        }

        using var owned = certificate is X509Certificate2 ? null : new X509Certificate2(certificate);
        var leaf = owned ?? (X509Certificate2)certificate;
        var describe = string.Create(CultureInfo.InvariantCulture, $"{_peer}'s certificate ({leaf.Subject}, issued by {leaf.Issuer})");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"TLS: {describe} is not valid for the name '{host}'";
        }

        var systemStatus = Describe(chain?.ChainStatus);
        if (_extraRoots is null)
        {
            return $"TLS: {describe} is not trusted by the system store ({systemStatus}); set {_caSetting} to trust a private CA";
        }

        // Only chain errors: try again with the configured certificates as trust anchors, the presented intermediates
        // as helpers. Private CAs rarely publish revocation lists, and the system check does not ask for them either.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (custom.Build(leaf))
        {
            return null;
        }

        return $"TLS: {describe} is trusted neither by the system store ({systemStatus}) nor by {_caSetting} ({Describe(custom.ChainStatus)})";
    }

    private static string Describe(X509ChainStatus[]? status) =>
        status is { Length: > 0 } ? string.Join(", ", status.Select(s => s.Status).Distinct()) : "chain not valid";
}
