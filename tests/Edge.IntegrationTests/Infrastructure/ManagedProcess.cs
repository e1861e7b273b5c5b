using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>A long-running child process whose stdout and stderr are captured in full. Dispose kills it (whole tree).</summary>
public sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputGate = new();
    private int _disposed;

    private ManagedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>Short name used in messages (the executable name).</summary>
    public string Name { get; }

    /// <summary>Process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code, or null while running.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything written so far to stdout and stderr, interleaved by line.</summary>
    public string Output
    {
        get
        {
            lock (_outputGate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>. Environment entries with a null value are removed from the inherited environment.
    /// </summary>
    public static ManagedProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = CreateStartInfo(fileName, arguments, environment, workingDirectory);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(Path.GetFileName(fileName), process);
        process.OutputDataReceived += (_, e) => managed.Append(e.Data);
        process.ErrorDataReceived += (_, e) => managed.Append(e.Data);
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"Could not start {fileName}.");
            }
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>Builds a <see cref="ProcessStartInfo"/> with redirected output and the given environment changes.</summary>
    public static ProcessStartInfo CreateStartInfo(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment,
        string? workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }
        }

        return info;
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public Task WaitForTcpPortAsync(int port, TimeSpan timeout) =>
        WaitUntilAsync(
            async ct =>
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync("127.0.0.1", port, ct);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            timeout,
            $"TCP port 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Waits until a GET of <paramref name="url"/> returns a response satisfying <paramref name="predicate"/>.</summary>
    public async Task WaitForHttpAsync(string url, Func<HttpResponseMessage, bool> predicate, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        await WaitUntilAsync(
            async ct =>
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(url), ct);
                    return predicate(response);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    return false;
                }
            },
            timeout,
            $"HTTP {url}");
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 100 ms until it is true, the process exits, or <paramref name="timeout"/> elapses.
    /// Failures throw <see cref="TimeoutException"/> including the process output.
    /// </summary>
    public async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string description)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout);
        var started = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 100_000; attempt++)
        {
            if (_process.HasExited)
            {
                await DrainOutputAsync();
                throw new InvalidOperationException(
                    $"{Name} (pid {Id}) exited with code {_process.ExitCode} while waiting for {description}.{Environment.NewLine}{OutputForMessage()}");
            }

            try
            {
                if (await condition(cts.Token))
                {
                    return;
                }

                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                break;
            }

            if (started.Elapsed > timeout)
            {
                break;
            }
        }

        await DrainOutputAsync();
        throw new TimeoutException(
            $"Timed out after {timeout.TotalSeconds}s waiting for {description} from {Name} (pid {Id}).{Environment.NewLine}{OutputForMessage()}");
    }

    /// <summary>Sends SIGTERM, waits up to <paramref name="grace"/> (default 10 s), then kills the whole tree.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process.HasExited)
        {
            return;
        }

        SendSigterm(_process.Id);
        using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }

        await DrainOutputAsync();
    }

    /// <summary>Sends SIGTERM and returns at once (the process drains and exits on its own; see <see cref="WaitForExitAsync"/>).</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            SendSigterm(_process.Id);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; returns its exit code, null if it still runs.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        await DrainOutputAsync();
        return _process.ExitCode;
    }

    /// <summary>SIGKILLs the process and all its descendants immediately and waits (bounded) for it to be gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Output framed for inclusion in an exception message.</summary>
    public string OutputForMessage()
    {
        var text = Output;
        const int Limit = 20_000;
        if (text.Length > Limit)
        {
            text = "...(truncated)..." + text[^Limit..];
        }

        return $"----- {Name} output -----{Environment.NewLine}{text}{Environment.NewLine}----- end {Name} output -----";
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Kill();
        _process.Dispose();
    }

    /// <summary>Once exited, waits (bounded) until the output pipes reach end of file so <see cref="Output"/> is complete.</summary>
    private async Task DrainOutputAsync()
    {
        if (!_process.HasExited)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // A grandchild may hold the pipe open; the output so far is what we have.
        }
    }

    private static void SendSigterm(int pid)
    {
        var info = new ProcessStartInfo("kill")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("-TERM");
        info.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(info);
        kill?.WaitForExit(5_000);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputGate)
        {
            _output.AppendLine(line);
        }
    }
}
