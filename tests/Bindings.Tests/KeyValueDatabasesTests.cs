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
    [InlineData("127.0.0.1:6379", "is not a redis://HOST[:PORT][/DB], rediss://HOST[:PORT][/DB] or redis+sentinel://HOST[:PORT][,HOST[:PORT]…]/SERVICE[/DB] URL")]
    [InlineData("http://127.0.0.1:6379", "is not a redis://HOST[:PORT][/DB], rediss://")]
    [InlineData("redis://127.0.0.1:6379/zero", "the path must be a database number")]
    [InlineData("redis://127.0.0.1:6379/0?timeout=5", "has a query or fragment")]
    [InlineData("redis://127.0.0.1:0", "port 0")]
    [InlineData("redis+sentinel:///mymaster", "names no Sentinel; e.g. redis+sentinel://sentinel1:26379,sentinel2:26379/mymaster")]
    [InlineData("redis+sentinel://s1:26379,s2", "names no service: the path must be /SERVICE[/DB]")]
    [InlineData("redis+sentinel://s1:26379/", "names no service")]
    [InlineData("redis+sentinel://s1:26379/mymaster/zero", "the database after the service must be a number such as /mymaster/0")]
    [InlineData("redis+sentinel://s1:26379/mymaster/0/1", "the path must be /SERVICE[/DB], such as /mymaster/0")]
    [InlineData("redis+sentinel://s1/my master", "the service name 'my master' must be letters, digits")]
    [InlineData("redis+sentinel://s1/mymaster?x=1", "has a query or fragment")]
    [InlineData("redis+sentinel://s1:0/mymaster", "'s1:0' is not a Sentinel HOST[:PORT]")]
    [InlineData("redis+sentinel://s1:70000/mymaster", "'s1:70000' is not a Sentinel HOST[:PORT]")]
    [InlineData("redis+sentinel://s1,,s2/mymaster", "'' is not a Sentinel HOST[:PORT]")]
    [InlineData("redis+sentinel://[::1/mymaster", "'[::1' is not a Sentinel HOST[:PORT]")]
    [InlineData("redis+sentinel://::1:26379/mymaster", "'::1:26379' is not a Sentinel HOST[:PORT]")]
    [InlineData("rediss+sentinel://s1/mymaster", "TLS with Sentinel (rediss+sentinel://) is not supported")]
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
    public void Validate_BadSentinelUrlWithCredentials_ReportsEveryProblemRedacted()
    {
        var errors = KeyValueDatabases.Validate(new KeyValueOptions { Type = "redis", Url = $"redis+sentinel://edge:{Secret}@s1:x,s2/bad name/zero" }).ToList();

        Assert.Equal(
            [
                "Edge:KeyValue:Url 'redis+sentinel://***@s1:x,s2/bad name/zero': 's1:x' is not a Sentinel HOST[:PORT] (an IPv6 address in brackets, a port from 1 to 65535).",
                "Edge:KeyValue:Url 'redis+sentinel://***@s1:x,s2/bad name/zero': the service name 'bad name' must be letters, digits, '.', '_' or '-'.",
                "Edge:KeyValue:Url 'redis+sentinel://***@s1:x,s2/bad name/zero': the database after the service must be a number such as /mymaster/0.",
            ],
            errors);
    }

    [Fact]
    public void Validate_SentinelPasswordWithoutSentinel_Reported()
    {
        var error = Assert.Single(KeyValueDatabases.Validate(new KeyValueOptions { Type = "redis", Url = "redis://127.0.0.1", SentinelPassword = Secret }));

        Assert.Equal("Edge:KeyValue:SentinelPassword applies to a redis+sentinel:// Url only.", error);
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
            KeyPrefix = new string('p', 257),
            CaCertificatePath = "/nonexistent/ca.crt",
        }).ToList();

        Assert.Equal(
            [
                "Edge:KeyValue:ConnectTimeout must be positive and at most 01:00:00.",
                "Edge:KeyValue:OperationTimeout must be positive and at most 01:00:00.",
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
        var server = Assert.Single(options.Hosts);
        Assert.Equal((host, port, database, tls, user, password), (server.Host, server.Port, options.Database, options.UseTls, options.Username, options.Password));
        Assert.Null(options.ServiceName);
        Assert.Equal("edge:", options.KeyPrefix);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)), (options.ConnectTimeout, options.OperationTimeout));
    }

    [Theory]
    [InlineData("redis+sentinel://s1/mymaster", "s1:26379", "mymaster", 0, null, null)]
    [InlineData("REDIS+SENTINEL://10.0.0.1:5000,[::1],s3.internal:26380/my-master.1_x/", "10.0.0.1:5000,[::1]:26379,s3.internal:26380", "my-master.1_x", 0, null, null)]
    [InlineData("redis+sentinel://edge:p%40ss@s1,s2/mymaster/3", "s1:26379,s2:26379", "mymaster", 3, "edge", "p@ss")]
    [InlineData("redis+sentinel://:only-password@s1/mymaster", "s1:26379", "mymaster", 0, null, "only-password")]
    public void Parse_SentinelUrl_TakesItApart(string url, string sentinels, string service, int database, string? user, string? password)
    {
        var errors = new List<string>();

        var options = RedisKeyValueOptions.Parse(new KeyValueOptions { Type = "redis", Url = url, SentinelPassword = "sentinel-secret" }, errors);

        Assert.Empty(errors);
        Assert.NotNull(options);
        Assert.Equal((sentinels, service, database, user, password), (string.Join(",", options.Hosts), options.ServiceName, options.Database, options.Username, options.Password));
        Assert.False(options.UseTls);
        Assert.Equal("sentinel-secret", options.SentinelPassword);
    }

    [Fact]
    public void Parse_Endpoint_NeverShowsCredentials()
    {
        var options = RedisKeyValueOptions.Parse(new KeyValueOptions { Type = "redis", Url = $"redis://edge:{Secret}@[::1]:7000/4" }, []);

        Assert.Equal("[::1]:7000/4", options!.Endpoint);
        var sentinel = RedisKeyValueOptions.Parse(new KeyValueOptions { Type = "redis", Url = $"redis+sentinel://edge:{Secret}@s1,s2:5000/mymaster/2" }, []);
        Assert.Equal("mymaster/2 via Sentinel s1:26379,s2:5000", sentinel!.Endpoint);
    }
}
