using System.Diagnostics;
using System.Text;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>Runs a short-lived command with a hard time limit, capturing its output.</summary>
public static class CommandRunner
{
    /// <summary>
    /// Runs the command. On timeout kills the whole tree and throws <see cref="TimeoutException"/> with the output so far.
    /// </summary>
    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null)
    {
        var argumentList = arguments.ToList();
        var commandLine = fileName + " " + string.Join(' ', argumentList.Select(Quote));
        var info = ManagedProcess.CreateStartInfo(fileName, argumentList, environment, workingDirectory: null);
        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var gate = new Lock();
        process.OutputDataReceived += (_, e) => AppendLine(stdout, gate, e.Data);
        process.ErrorDataReceived += (_, e) => AppendLine(stderr, gate, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5_000);
            lock (gate)
            {
                throw new TimeoutException(
                    $"`{commandLine}` did not finish within {timeout.TotalSeconds}s.{Environment.NewLine}stdout:{Environment.NewLine}{stdout}{Environment.NewLine}stderr:{Environment.NewLine}{stderr}");
            }
        }

        process.WaitForExit();
        lock (gate)
        {
            return new CommandResult(commandLine, process.ExitCode, stdout.ToString(), stderr.ToString());
        }
    }

    private static void AppendLine(StringBuilder target, Lock gate, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            target.AppendLine(line);
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c == '\'' || c == '"') ? argument : $"'{argument}'";
}
