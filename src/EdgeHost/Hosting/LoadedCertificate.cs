using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Host.Hosting;

/// <summary>One certificate in use: where it came from, the names it serves, and what the handshake sends.</summary>
internal sealed record LoadedCertificate(int Index, IReadOnlyList<string> Hosts, X509Certificate2 Leaf, SslStreamCertificateContext Context, FileStamp Stamp);
