namespace Edge.IntegrationTests.Infrastructure;

/// <summary>What the <see cref="TokenServer"/> saw in one request and what it answered.</summary>
/// <param name="Method">GET or POST.</param>
/// <param name="CredentialKind">"none", "basic" (Authorization header) or "form" (POST grant_type=password).</param>
/// <param name="User">User name presented, if any (even when the password was wrong).</param>
/// <param name="Service">The service parameter.</param>
/// <param name="Scopes">Requested scopes, one entry per scope.</param>
/// <param name="StatusCode">HTTP status answered (200 or 401/400).</param>
/// <param name="GrantedScopes">Scopes actually placed in the token's access claim.</param>
public sealed record TokenRequestRecord(
    string Method,
    string CredentialKind,
    string? User,
    string Service,
    IReadOnlyList<string> Scopes,
    int StatusCode,
    IReadOnlyList<string> GrantedScopes)
{
    /// <summary>True when Basic or form credentials were presented.</summary>
    public bool HadCredentials => CredentialKind != "none";
}
