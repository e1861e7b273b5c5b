using System.Security.Cryptography;
using System.Text;

namespace Edge.Tunnel.Relay;

/// <summary>Access token check: SHA-256 of the presented token against every configured hash in constant time,
/// then whether the matching credential covers the host.</summary>
internal sealed class TunnelAccessTable
{
    private readonly Entry[] _entries;

    public TunnelAccessTable(IEnumerable<TunnelAccessCredential> credentials)
    {
        _entries = [.. credentials.Select(c => new Entry(c.Name, HashOf(c), [.. c.Hosts]))];
    }

    /// <summary>The hash a credential is compared by (its <c>TokenSha256</c>, or the hash of its clear token).</summary>
    public static byte[] HashOf(TunnelAccessCredential credential) => credential.TokenSha256 is { Length: > 0 } hex
        ? Convert.FromHexString(hex)
        : SHA256.HashData(Encoding.UTF8.GetBytes(credential.Token ?? ""));

    /// <summary>
    /// Checks <paramref name="token"/> for <paramref name="host"/>. Every entry is compared, whatever matched, so
    /// the time taken says nothing about which tokens exist.
    /// </summary>
    public AccessCheck Check(string token, string host)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        Entry? match = null;
        foreach (var entry in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, entry.Hash) && match is null)
            {
                match = entry;
            }
        }

        if (match is null)
        {
            return new AccessCheck(null, false);
        }

        return new AccessCheck(match.Name, match.Hosts.Any(pattern => TunnelIngressTable.HostMatches(pattern, host)));
    }

    private sealed record Entry(string Name, byte[] Hash, string[] Hosts);
}

/// <summary>The outcome of an access token check.</summary>
/// <param name="Name">The credential the token belongs to; null when it matches none.</param>
/// <param name="CoversHost">Whether that credential may reach the host.</param>
internal readonly record struct AccessCheck(string? Name, bool CoversHost);
