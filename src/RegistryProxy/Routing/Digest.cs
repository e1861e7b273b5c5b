using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Edge.RegistryProxy.Routing;

/// <summary>A content digest, <c>algorithm:hex</c>, restricted to the algorithms the proxy can verify.</summary>
internal sealed partial record Digest(string Algorithm, string Hex)
{
    public override string ToString() => Algorithm + ":" + Hex;

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = null!;
        if (text is null)
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        digest = match.Groups[1].Success
            ? new Digest(match.Groups[1].Value, match.Groups[2].Value)
            : new Digest(match.Groups[3].Value, match.Groups[4].Value);
        return true;
    }

    public IncrementalHash CreateHash() => IncrementalHash.CreateHash(Algorithm == "sha256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512);

    public bool Matches(ReadOnlySpan<byte> hash) => string.Equals(Convert.ToHexStringLower(hash), Hex, StringComparison.Ordinal);

    public static Digest Sha256Of(ReadOnlySpan<byte> content) => new("sha256", Convert.ToHexStringLower(SHA256.HashData(content)));

    public static Digest Compute(string algorithm, ReadOnlySpan<byte> content) => algorithm == "sha512"
        ? new Digest("sha512", Convert.ToHexStringLower(SHA512.HashData(content)))
        : Sha256Of(content);

    // Exactly the algorithms we verify, with their exact lengths: the hex part becomes a storage key.
    [GeneratedRegex("^(?:(sha256):([a-f0-9]{64})|(sha512):([a-f0-9]{128}))\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
