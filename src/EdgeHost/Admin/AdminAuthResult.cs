namespace Edge.Host.Admin;

/// <summary>The outcome of an admin request's authentication.</summary>
internal enum AdminAuthResult
{
    /// <summary>The token matched.</summary>
    Allowed,

    /// <summary>No admin token is configured: the admin endpoints are off (404).</summary>
    NotConfigured,

    /// <summary>No Authorization header (401).</summary>
    Missing,

    /// <summary>Not a bearer token, or the wrong one (401, <c>error="invalid_token"</c>).</summary>
    Invalid,
}
