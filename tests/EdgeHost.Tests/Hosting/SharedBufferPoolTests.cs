using System.Globalization;
using Edge.Host.Hosting;

namespace Edge.Host.Tests.Hosting;

/// <summary>
/// The variable only matters before the process's first shared-pool use, so changing it here affects nothing else in
/// the test process; each test restores what was there.
/// </summary>
public class SharedBufferPoolTests
{
    [Fact]
    public void Configure_Unset_SetsTheProxyDefault()
    {
        WithVariable(null, () =>
        {
            var value = SharedBufferPool.Configure();

            Assert.Equal(SharedBufferPool.MaxArraysPerPartition.ToString(CultureInfo.InvariantCulture), value);
            Assert.Equal(value, Environment.GetEnvironmentVariable(SharedBufferPool.MaxArraysPerPartitionVariable));
        });
    }

    [Fact]
    public void Configure_OperatorValue_IsKept()
    {
        WithVariable("64", () =>
        {
            Assert.Equal("64", SharedBufferPool.Configure());
            Assert.Equal("64", Environment.GetEnvironmentVariable(SharedBufferPool.MaxArraysPerPartitionVariable));
        });
    }

    private static void WithVariable(string? value, Action test)
    {
        var saved = Environment.GetEnvironmentVariable(SharedBufferPool.MaxArraysPerPartitionVariable);
        Environment.SetEnvironmentVariable(SharedBufferPool.MaxArraysPerPartitionVariable, value);
        try
        {
            test();
        }
        finally
        {
            Environment.SetEnvironmentVariable(SharedBufferPool.MaxArraysPerPartitionVariable, saved);
        }
    }
}
