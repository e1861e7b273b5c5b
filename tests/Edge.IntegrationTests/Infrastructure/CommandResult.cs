namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Outcome of a short-lived command line tool run.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>True when the exit code is zero.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Everything for an assertion message.</summary>
    public string Describe() =>
        $"`{CommandLine}` exited {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";

    /// <summary>Throws with the full output unless the command succeeded.</summary>
    public CommandResult EnsureSuccess() =>
        Succeeded ? this : throw new InvalidOperationException("Command failed: " + Describe());
}
