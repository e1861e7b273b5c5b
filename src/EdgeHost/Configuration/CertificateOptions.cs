namespace Edge.Host.Configuration;

/// <summary>
/// One TLS server certificate for <c>https://</c> listeners (<c>Relay:Certificates:N</c>, <c>Edge:Certificates:N</c>),
/// read from files: PEM certificate (with its chain) plus PEM key, or a PFX/PKCS#12 file.
/// </summary>
public sealed class CertificateOptions
{
    /// <summary>
    /// Host names this certificate is presented for (TLS SNI): <c>registry.example.com</c> or <c>*.example.com</c>
    /// (one label). Default: the DNS names in the certificate's subject alternative names.
    /// </summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>A PEM file (the certificate first, then its intermediates), or a <c>.pfx</c>/<c>.p12</c> file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key. Default: the key is in <see cref="CertificatePath"/> (PEM holding both, or PFX).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PFX file or of an encrypted PEM key. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Presented to clients that send no SNI name (an IP address in the URL) or a name no certificate lists.
    /// Default: the first certificate; at most one may say <c>true</c>.
    /// </summary>
    public bool Default { get; set; }
}
