using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class TempDirectoryTests
{
    [Fact]
    public void Dispose_TempDirectoryWithContent_DeletesIt()
    {
        var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("a.txt"), "x");
        Directory.CreateDirectory(directory.Combine("sub", "deeper"));

        directory.Dispose();

        Assert.False(Directory.Exists(directory.Path));
    }
}
