using Edge.Functions;
using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;
using Edge.Bindings.Redis;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary><c>Edge:KeyValue</c>: every problem reported at start-up with the other configuration errors, no credential in any.</summary>
public sealed class KeyValueDatabasesTests : IDisposable
{
    private const string Secret = "hunter2-not-for-logs";
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Validate_UnknownType_NamesBothSupportedTypes()
    {
        var error = Assert.Single(KeyValueDatabases.Validate(new KeyValueOptions { Type = "floppy" }));

        Assert.Equal("Edge:KeyValue:Type 'floppy' is not supported; supported: sqlite, redis.", error);
    }

    [Fact]
    public void Validate_DefaultSqlite_HasNoErrors()
    {
        Assert.Empty(KeyValueDatabases.Validate(new KeyValueOptions()));
        Assert.Empty(KeyValueDatabases.Validate(new KeyValueOptions { Type = "Redis", Url = "redis://127.0.0.1" }));
    }

    [Fact]
    public void Validate_SettingsOfTheOtherType_AreReported()
    {
        var sqliteWithUrl = Assert.Single(KeyValueDatabases.Validate(new KeyValueOptions { Url = "redis://127.0.0.1" }));
        var redisWithPath = Assert.Single(KeyValueDatabases.Validate(new KeyValueOptions { Type = "redis", Url = "redis://127.0.0.1", Path = "kv.db" }));

        Assert.Contains("set Type to redis", sqliteWithUrl, StringComparison.Ordinal);
        Assert.StartsWith("Edge:KeyValue:Path applies to Type sqlite only", redisWithPath, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Edge:KeyValue:Url is required for Type redis")]
    [InlineData("127.0.0.1:6379", "is not a redis://HOST[:PORT][/DB] or rediss:// URL")]
    [InlineData("http://127.0.0.1:6379", "is not a redis://HOST[:PORT][/DB] or rediss:// URL")]
    [InlineData("redis://127.0.0.1:6379/zero", "the path must be a database number")]
    [InlineData("redis://127.0.0.1:6379/0?timeout=5", "has a query or fragment")]
    [InlineData("redis://127.0.0.1:0", "port 0")]
    public void Validate_BadUrl_SaysWhatIsWrong(string? url, string expected)
    {
        var error = Assert.Single(KeyValueDatabases.Validate(new KeyValueOptions { Type = "redis", Url = url }));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadUrlWithCredentials_QuotesItRedacted()
    {
        var errors = KeyValueDatabases.Validate(new KeyValueOptions { Type = "redis", Url = $"http://edge:{Secret}@cache.internal:6379" }).ToList();

        var error = Assert.Single(errors);
        Assert.Contains("'http://***@cache.internal:6379'", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadNumbersAndCredentials_ReportsEveryOne()
    {
        var errors = KeyValueDatabases.Validate(new KeyValueOptions
        {
            Type = "redis",
            Url = $"redis://:{Secret}@127.0.0.1",
            Password = Secret,
            ConnectTimeout = TimeSpan.Zero,
            OperationTimeout = TimeSpan.FromHours(2),
            MaxConnections = 0,
            KeyPrefix = new string('p', 257),
            CaCertificatePath = "/nonexistent/ca.crt",
        }).ToList();

        Assert.Equal(
            [
                "Edge:KeyValue:ConnectTimeout must be positive and at most 01:00:00.",
                "Edge:KeyValue:OperationTimeout must be positive and at most 01:00:00.",
                "Edge:KeyValue:MaxConnections must be between 1 and 1024.",
                "Edge:KeyValue:KeyPrefix must be at most 256 characters (it may be empty).",
                "Edge:KeyValue: a password is set both in Url and in Password; keep one.",
                "Edge:KeyValue:CaCertificatePath needs a rediss:// Url.",
            ],
            errors);
        Assert.DoesNotContain(errors, e => e.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UsernameWithoutPasswordOrMissingCaFile_Reported()
    {
        var errors = KeyValueDatabases.Validate(new KeyValueOptions
        {
            Type = "redis",
            Url = "rediss://cache.internal",
            Username = "edge",
            CaCertificatePath = dir.Combine("missing.pem"),
        }).ToList();

        Assert.Equal(2, errors.Count);
        Assert.Contains("Edge:KeyValue:Username needs Edge:KeyValue:Password.", errors);
        Assert.Contains(errors, e => e.StartsWith("Edge:KeyValue:CaCertificatePath: '", StringComparison.Ordinal) && e.EndsWith("' does not exist.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_CaFileWithoutCertificate_Reported()
    {
        var path = dir.Combine("empty.pem");
        await File.WriteAllTextAsync(path, "-----BEGIN NOTHING-----\n-----END NOTHING-----\n");

        var error = Assert.Single(KeyValueDatabases.Validate(new KeyValueOptions { Type = "redis", Url = "rediss://cache.internal", CaCertificatePath = path }));

        Assert.Contains("holds no CERTIFICATE block", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://cache.internal", "cache.internal", 6379, 0, false, null, null)]
    [InlineData("rediss://[::1]:6380/2", "::1", 6380, 2, true, null, null)]
    [InlineData("redis://edge:p%40ss%3Aword@10.0.0.5:7000", "10.0.0.5", 7000, 0, false, "edge", "p@ss:word")]
    [InlineData("redis://:only-password@h", "h", 6379, 0, false, null, "only-password")]
    [InlineData("redis://bare-password@h/", "h", 6379, 0, false, null, "bare-password")]
    public void Parse_Url_TakesItApart(string url, string host, int port, int database, bool tls, string? user, string? password)
    {
        var errors = new List<string>();

        var options = RedisKeyValueOptions.Parse(new KeyValueOptions { Type = "redis", Url = url }, errors);

        Assert.Empty(errors);
        Assert.NotNull(options);
        Assert.Equal((host, port, database, tls, user, password), (options.Host, options.Port, options.Database, options.UseTls, options.Username, options.Password));
        Assert.Equal("edge:", options.KeyPrefix);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 16), (options.ConnectTimeout, options.OperationTimeout, options.MaxConnections));
    }

    [Fact]
    public void Parse_Endpoint_NeverShowsCredentials()
    {
        var options = RedisKeyValueOptions.Parse(new KeyValueOptions { Type = "redis", Url = $"redis://edge:{Secret}@[::1]:7000/4" }, []);

        Assert.Equal("[::1]:7000/4", options!.Endpoint);
    }
}
