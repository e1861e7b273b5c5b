using System.Security.Cryptography;
using System.Text;

namespace Edge.Host.Configuration;

/// <summary>
/// The bearer token of the admin endpoints (<c>/_edge/metrics</c>, <c>/_edge/status</c>): <c>Edge:AdminToken</c> in
/// <c>edge serve</c>, <c>Relay:AdminToken</c> in <c>edge relay</c>. Default: none, and the admin endpoints answer 404
/// (secure by default: nothing about the host is exposed until an operator opts in).
/// </summary>
public sealed class AdminTokenOptions
{
    /// <summary>Shortest token accepted: 16 characters, so a token cannot be guessed over the network.</summary>
    public const int MinimumLength = 16;

    /// <summary>The token in clear (prefer <see cref="AdminTokenSha256"/> in configuration files). Never logged.</summary>
    public string? AdminToken { get; set; }

    /// <summary>Hex SHA-256 of the UTF-8 token (<c>printf %s "$TOKEN" | sha256sum</c>), so the configuration holds
    /// no usable secret.</summary>
    public string? AdminTokenSha256 { get; set; }

    /// <summary>True when a token or its hash is configured.</summary>
    public bool IsConfigured => !string.IsNullOrEmpty(AdminToken) || !string.IsNullOrEmpty(AdminTokenSha256);

    /// <summary>Every problem, each prefixed with <paramref name="section"/> (empty when valid or not configured).</summary>
    public IReadOnlyList<string> Validate(string section)
    {
        var errors = new List<string>();
        var hasToken = !string.IsNullOrEmpty(AdminToken);
        var hasHash = !string.IsNullOrEmpty(AdminTokenSha256);
        if (hasToken && hasHash)
        {
            errors.Add($"{section}: set only one of AdminToken and AdminTokenSha256.");
        }

        if (hasToken && (AdminToken!.Length < MinimumLength || AdminToken.Any(c => c <= ' ' || c > '~')))
        {
            errors.Add($"{section}:AdminToken must be at least {MinimumLength} printable ASCII characters without spaces (e.g. `openssl rand -hex 32`).");
        }

        if (hasHash && (AdminTokenSha256!.Length != 64 || !AdminTokenSha256.All(Uri.IsHexDigit)))
        {
            errors.Add($"{section}:AdminTokenSha256 must be 64 hex digits (the SHA-256 of the token).");
        }

        return errors;
    }

    /// <summary>The SHA-256 of the token; null when none is configured. Call after <see cref="Validate"/>.</summary>
    public byte[]? TokenHash() =>
        !string.IsNullOrEmpty(AdminTokenSha256) ? Convert.FromHexString(AdminTokenSha256)
        : !string.IsNullOrEmpty(AdminToken) ? SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken))
        : null;
}
