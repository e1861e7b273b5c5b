using Edge.Tunnel.Relay;

namespace Edge.Tunnel.Tests;

public sealed class FlowControlTests
{
    [Fact]
    public void Defaults_StartAt1MiB_AndCapAt4MiB()
    {
        var options = new TunnelRelayOptions();
        Assert.Equal(1024 * 1024, options.InitialStreamWindowSize);
        Assert.Equal(4 * 1024 * 1024, options.MaxStreamWindowSize);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(1024, 4 * 1024 * 1024, "must be between 65535 and 67108864")]
    [InlineData(1024 * 1024, 128 * 1024 * 1024, "must be between 65535 and 67108864")]
    [InlineData(8 * 1024 * 1024, 4 * 1024 * 1024, "InitialStreamWindowSize (8388608) must not exceed MaxStreamWindowSize (4194304)")]
    public void Validate_RejectsWindowsOutOfRange(int initial, int max, string expected)
    {
        var errors = new TunnelRelayOptions { InitialStreamWindowSize = initial, MaxStreamWindowSize = max }.Validate();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ApplyProcessWide_KeepsAnOperatorsOwnValue()
    {
        var before = Environment.GetEnvironmentVariable(TunnelFlowControl.MaxStreamWindowVariable);
        try
        {
            // SocketsHttpHandler's own default, so other tests in this process are unaffected either way.
            Environment.SetEnvironmentVariable(TunnelFlowControl.MaxStreamWindowVariable, "16777216");
            Assert.Equal("16777216", TunnelFlowControl.ApplyProcessWide(new TunnelRelayOptions { MaxStreamWindowSize = 2 * 1024 * 1024 }));
            Assert.Equal("16777216", Environment.GetEnvironmentVariable(TunnelFlowControl.MaxStreamWindowVariable));

            Environment.SetEnvironmentVariable(TunnelFlowControl.MaxStreamWindowVariable, null);
            Assert.Equal("16777216", TunnelFlowControl.ApplyProcessWide(new TunnelRelayOptions { MaxStreamWindowSize = 16 * 1024 * 1024 }));
            Assert.Equal("16777216", Environment.GetEnvironmentVariable(TunnelFlowControl.MaxStreamWindowVariable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(TunnelFlowControl.MaxStreamWindowVariable, before);
        }
    }
}
