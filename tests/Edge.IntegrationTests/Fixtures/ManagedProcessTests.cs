using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class ManagedProcessTests
{
    [Fact]
    public async Task WaitForTcpPortAsync_NothingListens_TimeoutIncludesOutput()
    {
        using var process = ManagedProcess.Start("sh", ["-c", "echo out-marker; echo err-marker >&2; exec sleep 30"]);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => process.WaitForTcpPortAsync(FreePort.Next(), TimeSpan.FromSeconds(1)));

        Assert.Contains("out-marker", error.Message, StringComparison.Ordinal);
        Assert.Contains("err-marker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForHttpAsync_ProcessExits_FailsFastWithExitCode()
    {
        using var process = ManagedProcess.Start("sh", ["-c", "echo dying; exit 3"]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => process.WaitForHttpAsync("http://127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), _ => true, TimeSpan.FromSeconds(20)));

        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("dying", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_SleepingProcess_ExitsOnSigterm()
    {
        using var process = ManagedProcess.Start("sleep", ["60"]);

        await process.StopAsync(TimeSpan.FromSeconds(5));

        Assert.True(process.HasExited);
    }

    [Fact]
    public void Kill_ProcessTree_KillsChildren()
    {
        using var marker = new TempDirectory("edge-kill-");
        using var process = ManagedProcess.Start("sh", ["-c", $"sleep 61 {marker.Path} & sleep 62 {marker.Path}; wait"]);
        for (var i = 0; i < 50 && ProcessReaper.FindByCommandLine("sleep 61 " + marker.Path).Count == 0; i++)
        {
            Thread.Sleep(50);
        }

        process.Kill();
        // SIGKILL is asynchronous: the kernel removes the children a moment later (bounded wait).
        for (var i = 0; i < 100 && ProcessReaper.FindByCommandLine(marker.Path).Count > 0; i++)
        {
            Thread.Sleep(50);
        }

        Assert.True(process.HasExited);
        Assert.Empty(ProcessReaper.FindByCommandLine(marker.Path));
    }
}
