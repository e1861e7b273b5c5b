namespace Edge.Host.Deploy;

/// <summary>How a deployment operation ended, as the admin API answers it.</summary>
internal enum DeployStatus
{
    /// <summary>Done (200).</summary>
    Ok,

    /// <summary>The request is wrong: bad name, manifest, code, version (400).</summary>
    Invalid,

    /// <summary>No such function or version (404).</summary>
    NotFound,

    /// <summary>Another operation on the function is in progress, or a route or name belongs to another function (409).</summary>
    Conflict,

    /// <summary>The version could not start: constructor or start hook threw, health check failed (422).</summary>
    Unstartable,
}

/// <summary>The outcome of a deployment operation: its status, what it did, and every problem.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Message">One line for the operator: what changed, or why nothing did.</param>
/// <param name="Errors">Every problem, each on its own line (compiler errors as the compiler prints them).</param>
/// <param name="Version">The version now serving, where one is.</param>
internal sealed record DeployOutcome(DeployStatus Status, string Message, IReadOnlyList<string> Errors, string? Version = null)
{
    public static DeployOutcome Fail(DeployStatus status, string message, IReadOnlyList<string>? errors = null) =>
        new(status, message, errors ?? []);
}
