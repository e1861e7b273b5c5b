namespace Edge.RegistryProxy.Auth;

/// <summary>What a client presented, in the forms the proxy needs to tell apart.</summary>
internal static class ClientCredentials
{
    /// <summary>The prefix of tokens the proxy issues itself when the upstream's token service is unreachable.</summary>
    public const string OfflineTokenPrefix = "edge-offline.";

    public static string? BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;

    public static bool IsOfflineToken(string? authorization) =>
        BearerToken(authorization)?.StartsWith(OfflineTokenPrefix, StringComparison.Ordinal) == true;
}
