using Edge.Host.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>
/// A host's listeners from <c>urls</c> and its TLS certificates (<c>Relay:Certificates</c> or <c>Edge:Certificates</c>):
/// parsed and loaded together at start-up so every problem is reported at once, applied to Kestrel, and the
/// certificates' reload started with the app. Shared by <c>edge serve</c> and <c>edge relay</c>.
/// </summary>
internal sealed class ServerListeners
{
    private ServerListeners(IReadOnlyList<ListenAddresses> addresses, ServerCertificates? certificates)
    {
        Addresses = addresses;
        Certificates = certificates;
    }

    public IReadOnlyList<ListenAddresses> Addresses { get; }

    public ServerCertificates? Certificates { get; }

    /// <summary>Parses <paramref name="urls"/> and loads <paramref name="certificates"/>; problems go to <paramref name="errors"/>.</summary>
    public static ServerListeners Parse(string urls, IReadOnlyList<CertificateOptions> certificates, string certificatesKey, List<string> errors)
    {
        var loaded = ServerCertificates.Load(certificates, certificatesKey, errors);
        var addresses = ListenAddresses.Parse(urls, errors, certificatesKey, hasCertificates: certificates.Count > 0);
        return new ServerListeners(addresses, loaded);
    }

    /// <summary>Adds every listener to Kestrel.</summary>
    public void Apply(KestrelServerOptions kestrel)
    {
        foreach (var address in Addresses)
        {
            address.Apply(kestrel, Certificates);
        }
    }

    /// <summary>Logs the certificates and watches their files while the app runs.</summary>
    public void Start(WebApplication app, ILogger logger)
    {
        if (Certificates is null)
        {
            return;
        }

        if (!Addresses.Any(a => a.Https))
        {
            ServerListenersLog.CertificatesUnused(logger);
        }

        Certificates.Start(app.Services.GetService<TimeProvider>() ?? TimeProvider.System, logger);
        app.Lifetime.ApplicationStopped.Register(Certificates.Dispose);
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Addresses);
}

internal static partial class ServerListenersLog
{
    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "TLS certificates are configured but no https:// address is in urls; they are not used")]
    public static partial void CertificatesUnused(ILogger logger);
}
