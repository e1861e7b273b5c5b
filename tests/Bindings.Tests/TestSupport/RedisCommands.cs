using Edge.Bindings.Redis;
using StackExchange.Redis;

namespace Edge.Bindings.Tests.TestSupport;

/// <summary>Raw commands on a store's own connection, to look at what it wrote or at the server's counters.</summary>
internal static class RedisCommands
{
    /// <summary>Sends <paramref name="command"/> to <paramref name="database"/>'s server (its database) and returns the reply.</summary>
    public static async Task<RedisResult> RawAsync(this RedisKeyValueDatabase database, string command, params object[] arguments)
    {
        var multiplexer = await database.Connection.GetMultiplexerAsync("TEST", CancellationToken.None);
        return await multiplexer.GetDatabase(database.Options.Database).ExecuteAsync(command, arguments);
    }

    /// <summary>The id Redis gave <paramref name="database"/>'s connection (CLIENT ID): a new connection gets a new one.</summary>
    public static async Task<long> ConnectionIdAsync(this RedisKeyValueDatabase database) => (long)await database.RawAsync("CLIENT", "ID");

    /// <summary>Connections <paramref name="server"/> has accepted so far (INFO stats), its own connection to it included.</summary>
    public static async Task<long> ConnectionsReceivedAsync(this RedisServer server)
    {
        var info = (string?)await server.CommandAsync("INFO", ["stats"]) ?? string.Empty;
        var line = info.Split("\r\n").Single(l => l.StartsWith("total_connections_received:", StringComparison.Ordinal));
        return long.Parse(line["total_connections_received:".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>How often <paramref name="server"/> has run <paramref name="command"/> so far (INFO commandstats).</summary>
    public static async Task<long> CommandCallsAsync(this RedisServer server, string command)
    {
        var info = (string?)await server.CommandAsync("INFO", ["commandstats"]) ?? string.Empty;
        var prefix = $"cmdstat_{command.ToLowerInvariant()}:calls=";
        var line = info.Split("\r\n").SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[prefix.Length..line.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }
}
