using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Edge.Host.Hosting;

/// <summary>The <c>urls</c> setting turned into explicit Kestrel listeners (plain HTTP).</summary>
internal sealed record ListenAddresses(string Host, int Port)
{
    public static IReadOnlyList<ListenAddresses> Parse(string urls, List<string> errors)
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

            if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"urls: '{url}': only http:// is supported here; terminate TLS in front of Edge (see Edge:TrustedProxies).");
                continue;
            }

            if (address.Host is not ("*" or "+" or "localhost") && !IPAddress.TryParse(address.Host.Trim('[', ']'), out _))
            {
                errors.Add($"urls: '{url}': the host must be an IP address, localhost, or * for all addresses.");
                continue;
            }

            result.Add(new ListenAddresses(address.Host, address.Port));
        }

        if (result.Count == 0 && errors.Count == 0)
        {
            errors.Add("urls: no listen address is configured.");
        }

        return result;
    }

    public void Apply(KestrelServerOptions kestrel)
    {
        switch (Host)
        {
            case "*" or "+":
                kestrel.ListenAnyIP(Port);
                break;
            case "localhost":
                kestrel.ListenLocalhost(Port);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(Host.Trim('[', ']')), Port);
                break;
        }
    }
}
