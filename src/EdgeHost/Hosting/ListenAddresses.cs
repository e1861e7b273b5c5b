using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Edge.Host.Hosting;

/// <summary>
/// The <c>urls</c> setting turned into explicit Kestrel listeners: <c>http://</c>, or <c>https://</c> with the
/// certificates of <see cref="ServerCertificates"/> (chosen by SNI).
/// </summary>
internal sealed record ListenAddresses(string Host, int Port, bool Https = false)
{
    /// <summary>
    /// Parses <paramref name="urls"/> (<c>;</c>-separated). An <c>https://</c> address needs certificates: when
    /// <paramref name="hasCertificates"/> is false its error names <paramref name="certificatesKey"/>.
    /// </summary>
    public static IReadOnlyList<ListenAddresses> Parse(string urls, List<string> errors, string certificatesKey, bool hasCertificates)
    {
        var result = new List<ListenAddresses>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException ex)
            {
                errors.Add($"urls: '{url}' is not a listen address ({ex.Message}).");
                continue;
            }

            var https = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
            if (!https && !string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"urls: '{url}': only http:// and https:// are supported.");
                continue;
            }

            if (address.Host is not ("*" or "+" or "localhost") && !IPAddress.TryParse(address.Host.Trim('[', ']'), out _))
            {
                errors.Add($"urls: '{url}': the host must be an IP address, localhost, or * for all addresses.");
                continue;
            }

            if (https && !hasCertificates)
            {
                errors.Add($"urls: '{url}' needs a certificate: set {certificatesKey}:0:CertificatePath (with KeyPath for PEM, or Password for PFX).");
                continue;
            }

            result.Add(new ListenAddresses(address.Host, address.Port, https));
        }

        if (result.Count == 0 && errors.Count == 0)
        {
            errors.Add("urls: no listen address is configured.");
        }

        return result;
    }

    /// <summary>Adds this listener to Kestrel; HTTPS ones take their certificate from <paramref name="certificates"/>.</summary>
    public void Apply(KestrelServerOptions kestrel, ServerCertificates? certificates)
    {
        void Configure(ListenOptions listen)
        {
            if (Https)
            {
                listen.UseHttps(certificates?.HandshakeOptions() ?? throw new InvalidOperationException("https:// listener without certificates"));
            }
        }

        switch (Host)
        {
            case "*" or "+":
                kestrel.ListenAnyIP(Port, Configure);
                break;
            case "localhost":
                kestrel.ListenLocalhost(Port, Configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(Host.Trim('[', ']')), Port, Configure);
                break;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{(Https ? "https" : "http")}://{Host}:{Port}";
}
