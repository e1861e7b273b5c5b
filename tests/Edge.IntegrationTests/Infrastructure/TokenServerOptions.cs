namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Users and permissions of a <see cref="TokenServer"/>.</summary>
public sealed class TokenServerOptions
{
    /// <summary>The <c>service</c> (token audience); the registry's <c>auth.token.service</c>.</summary>
    public string Service { get; set; } = "edge-test-registry";

    /// <summary>The token issuer; the registry's <c>auth.token.issuer</c>.</summary>
    public string Issuer { get; set; } = "edge-test-token-server";

    /// <summary>User name to password.</summary>
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Private repository name to the users allowed to pull it. Repositories not listed are public (pull for anyone).</summary>
    public Dictionary<string, HashSet<string>> PrivateRepositories { get; set; } = new(StringComparer.Ordinal);

    /// <summary>User that gets push and pull on every repository (must also be in <see cref="Users"/>).</summary>
    public string? PushUser { get; set; }

    /// <summary>Token lifetime in seconds (reported as expires_in).</summary>
    public int ExpiresInSeconds { get; set; } = 300;

    /// <summary>Adds a user.</summary>
    public TokenServerOptions WithUser(string name, string password)
    {
        Users[name] = password;
        return this;
    }

    /// <summary>Adds a user who may push and pull everything.</summary>
    public TokenServerOptions WithPushUser(string name, string password)
    {
        Users[name] = password;
        PushUser = name;
        return this;
    }

    /// <summary>Marks a repository private, pullable only by the given users (and the push user).</summary>
    public TokenServerOptions WithPrivateRepository(string repository, params string[] allowedUsers)
    {
        PrivateRepositories[repository] = new HashSet<string>(allowedUsers, StringComparer.Ordinal);
        return this;
    }
}
