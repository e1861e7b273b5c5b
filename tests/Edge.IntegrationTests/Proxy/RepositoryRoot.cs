namespace Edge.IntegrationTests.Proxy;

/// <summary>Finds the repository root (the directory holding Edge.sln) from the test binaries.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Edge.sln above {AppContext.BaseDirectory}; cannot locate scripts/.");
    }
}
