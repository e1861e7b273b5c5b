namespace Edge.Bindings.Sqlite;

/// <summary>Settings of the SQLite file behind <see cref="SqliteKeyValueDatabase"/>, bound from configuration.</summary>
internal sealed class SqliteKeyValueOptions
{
    /// <summary>
    /// The SQLite file. Default "data/kv.db": relative to the working directory, next to the default bucket,
    /// so a host started without configuration keeps all its state in one place.
    /// </summary>
    public string DatabasePath { get; set; } = "data/kv.db";

    /// <summary>
    /// How long an operation waits for another connection's write lock. Default 5 s: WAL serialises writers,
    /// so a write behind another write or a checkpoint should wait rather than fail, yet a stuck lock must
    /// surface well within a request's time budget.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time between two purges of expired rows. Default 1 minute: expired rows already read as
    /// absent, so purging only reclaims space and need not run on every write.
    /// </summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most expired rows one purge deletes. Default 1000: a purge holds the single write lock, so it is
    /// kept to a few milliseconds; a backlog drains over successive purges.
    /// </summary>
    public int PurgeBatchSize { get; set; } = 1000;

    /// <summary>
    /// How many keys a listing reads per query. Default 500: each page is a short read on its own pooled
    /// connection, so a slow consumer never holds a read transaction open (which would stall WAL checkpoints).
    /// </summary>
    public int ListPageSize { get; set; } = 500;
}
