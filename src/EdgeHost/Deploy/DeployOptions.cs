namespace Edge.Host.Deploy;

/// <summary>Deployments of user functions (<c>Edge:Deploy</c>).</summary>
public sealed class DeployOptions
{
    /// <summary>Versions kept per function, the serving ones always included. Default 100: a rollback target from
    /// weeks of frequent deploys, at the cost of their code on disk.</summary>
    public int KeepVersions { get; set; } = 100;

    /// <summary>How long a replaced version may finish its requests in flight before it is stopped. Default 30 s: most
    /// requests end well within it; a long download through the old version is cut after it.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest code a deploy may upload (a bundle archive or a source file). Default 100 MiB.</summary>
    public long MaxCodeBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Accept the deploy API from other machines (still with the admin token). Default false: only a loopback
    /// client that did not come through the tunnel or a trusted proxy may deploy.</summary>
    public bool AllowRemote { get; set; }

    /// <summary>Every problem, each naming its key.</summary>
    public IReadOnlyList<string> Validate(string section)
    {
        var errors = new List<string>();
        if (KeepVersions is < 1 or > 10_000)
        {
            errors.Add($"{section}:KeepVersions must be between 1 and 10000.");
        }

        if (DrainTimeout < TimeSpan.Zero || DrainTimeout > TimeSpan.FromHours(1))
        {
            errors.Add($"{section}:DrainTimeout must be between 0 and 1 hour.");
        }

        if (MaxCodeBytes < 1024)
        {
            errors.Add($"{section}:MaxCodeBytes must be at least 1024.");
        }

        return errors;
    }
}
