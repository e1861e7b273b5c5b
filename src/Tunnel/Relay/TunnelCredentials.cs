using System.Security.Cryptography;
using System.Text;

namespace Edge.Tunnel.Relay;

/// <summary>Agent token check: SHA-256 of the presented token against the configured hash, in constant time.</summary>
internal sealed class TunnelCredentials
{
    private static readonly byte[] s_dummy = SHA256.HashData("edge-tunnel-unknown"u8);
    private readonly Dictionary<string, byte[]> _hashes = new(StringComparer.Ordinal);

    public TunnelCredentials(IEnumerable<TunnelDefinition> tunnels)
    {
        foreach (var tunnel in tunnels)
        {
            _hashes[tunnel.Id] = tunnel.TokenSha256 is { Length: > 0 } hex
                ? Convert.FromHexString(hex)
                : SHA256.HashData(Encoding.UTF8.GetBytes(tunnel.Token ?? ""));
        }
    }

    public bool IsKnown(string tunnelId) => _hashes.ContainsKey(tunnelId);

    /// <summary>True when <paramref name="token"/> is the token of <paramref name="tunnelId"/>. Unknown tunnels
    /// cost the same hash and comparison, so timing tells nothing about which ids exist.</summary>
    public bool Verify(string tunnelId, string token)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var known = _hashes.TryGetValue(tunnelId, out var expected);
        var equal = CryptographicOperations.FixedTimeEquals(presented, expected ?? s_dummy);
        return known && equal;
    }
}
