namespace Edge.Bindings.Sqlite;

/// <summary>Loads the bundled native SQLite exactly once per process, before the first connection.</summary>
internal static class SqliteNative
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;
}
