using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Admin;

/// <summary>
/// Checks <c>Authorization: Bearer TOKEN</c> on admin requests: SHA-256 of the presented token against the configured
/// hash with <see cref="CryptographicOperations.FixedTimeEquals"/>, so timing tells nothing about the token.
/// </summary>
internal sealed class AdminAuthenticator
{
    private readonly byte[]? _hash;

    /// <param name="tokenHash">SHA-256 of the admin token; null when none is configured (every check: NotConfigured).</param>
    /// <param name="settingName">The configuration key that enables the endpoints (<c>Relay:AdminToken</c>), for the 404 text.</param>
    public AdminAuthenticator(byte[]? tokenHash, string settingName)
    {
        if (tokenHash is { Length: not 32 })
        {
            throw new ArgumentException("expected a SHA-256 hash", nameof(tokenHash));
        }

        _hash = tokenHash;
        SettingName = settingName;
    }

    /// <summary>The configuration key that enables the endpoints.</summary>
    public string SettingName { get; }

    /// <summary>True when an admin token is configured.</summary>
    public bool IsEnabled => _hash is not null;

    public AdminAuthResult Check(HttpRequest request)
    {
        if (_hash is null)
        {
            return AdminAuthResult.NotConfigured;
        }

        var values = request.Headers.Authorization;
        if (values.Count == 0)
        {
            return AdminAuthResult.Missing;
        }

        // One Authorization header, scheme Bearer (case-insensitive), then the token.
        var header = values.Count == 1 ? values[0] ?? "" : "";
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return AdminAuthResult.Invalid;
        }

        var token = header.AsSpan(scheme.Length).Trim(' ');
        if (token.IsEmpty)
        {
            return AdminAuthResult.Invalid;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token.ToString()));
        return CryptographicOperations.FixedTimeEquals(presented, _hash) ? AdminAuthResult.Allowed : AdminAuthResult.Invalid;
    }
}
