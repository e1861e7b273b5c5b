using Edge.Bindings.Redis;
using Edge.Bindings.Sqlite;
using Microsoft.Extensions.Logging;

namespace Edge.Bindings;

/// <summary>The key-value backends <c>Edge:KeyValue:Type</c> selects: their validation and construction.</summary>
public static class KeyValueDatabases
{
    /// <summary>Every problem of <c>Edge:KeyValue</c>, each naming its key; none quotes a credential.</summary>
    public static IEnumerable<string> Validate(KeyValueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (IsType(options, "redis"))
        {
            RedisKeyValueOptions.Parse(options, errors);
        }
        else if (IsType(options, "sqlite"))
        {
            if (!string.IsNullOrEmpty(options.Url))
            {
                errors.Add("Edge:KeyValue:Url is set but Edge:KeyValue:Type is sqlite; set Type to redis to use it.");
            }
        }
        else
        {
            errors.Add($"Edge:KeyValue:Type '{options.Type}' is not supported; supported: sqlite, redis.");
        }

        return errors;
    }

    /// <summary>
    /// The backend of validated <paramref name="options"/>; a <c>sqlite</c> store without a
    /// <see cref="KeyValueOptions.Path"/> lives in <c>kv.sqlite</c> under <paramref name="dataDirectory"/>. Opens no
    /// connection yet.
    /// </summary>
    public static IKeyValueDatabase Create(KeyValueOptions options, string dataDirectory, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (IsType(options, "redis"))
        {
            var errors = new List<string>();
            var redis = RedisKeyValueOptions.Parse(options, errors)
                ?? throw new InvalidOperationException("Edge:KeyValue was not validated: " + string.Join(" ", errors));
            return new RedisKeyValueDatabase(redis, time, loggerFactory.CreateLogger<RedisKeyValueDatabase>());
        }

        return new SqliteKeyValueDatabase(
            new SqliteKeyValueOptions { DatabasePath = options.Path ?? Path.Combine(Path.GetFullPath(dataDirectory), "kv.sqlite") },
            time,
            loggerFactory.CreateLogger<SqliteKeyValueDatabase>());
    }

    private static bool IsType(KeyValueOptions options, string type) => string.Equals(options.Type, type, StringComparison.OrdinalIgnoreCase);
}
