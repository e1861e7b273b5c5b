using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Edge.Functions;
using Edge.Bindings.Redis;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using RedisException = Edge.Bindings.Redis.RedisException;

namespace Edge.Bindings.Tests;

/// <summary>
/// The Redis store against servers that ask for credentials, speak TLS, stop, restart, hang or never answer: each
/// failure is a prompt <see cref="RedisException"/> naming the endpoint, never a hang, never a credential; and the
/// store works again once the library has reconnected, without being created anew.
/// </summary>
public sealed class RedisKeyValueFailureTests
{
    private const string Secret = "s3cret-Pa55word";

    [Fact]
    public async Task PutAsync_PasswordInPasswordOrUrl_Authenticates()
    {
        using var server = await RedisServer.StartAsync("--requirepass", Secret);
        using var viaOption = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Password = Secret });
        using var viaUrl = Open(new KeyValueOptions { Type = "redis", Url = $"redis://:{Uri.EscapeDataString(Secret)}@127.0.0.1:{server.Port}" });

        await viaOption.GetStore("ns").PutStringAsync("k", "v");

        Assert.Equal("v", await viaUrl.GetStore("ns").GetStringAsync("k"));
    }

    [Fact]
    public async Task GetAsync_WrongOrMissingPassword_ThrowsRedisErrorWithoutPassword()
    {
        using var server = await RedisServer.StartAsync("--requirepass", Secret);
        const string Wrong = "not-the-Pa55word";
        using var wrong = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Password = Wrong });
        using var none = Open(new KeyValueOptions { Type = "redis", Url = server.Url });

        var refused = await Assert.ThrowsAsync<RedisException>(async () => await wrong.GetStore("ns").GetAsync("k"));
        var unauthenticated = await Assert.ThrowsAsync<RedisException>(async () => await none.GetStore("ns").GetAsync("k"));

        Assert.Equal($"Could not connect to Redis at 127.0.0.1:{server.Port} (GET): Redis refused the credentials of user 'default'; check Edge:KeyValue:Username and Password.", refused.Message);
        Assert.DoesNotContain(Wrong, refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, refused.ToString(), StringComparison.Ordinal);
        Assert.Equal($"Could not connect to Redis at 127.0.0.1:{server.Port} (GET): Redis requires a password (NOAUTH); set Edge:KeyValue:Password.", unauthenticated.Message);
    }

    [Fact]
    public async Task PutAsync_AclUser_AuthenticatesAsThatUser()
    {
        // The default user is switched off, as in any deployment with ACL users: the library goes on as whichever
        // user the server lets it be after a refused AUTH, so an open default user would let a wrong one through.
        using var server = await RedisServer.StartAsync("--user", "default", "off", "--user", "edge", "on", ">" + Secret, "~*", "&*", "+@all");
        using var user = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Username = "edge", Password = Secret });
        using var urlUser = Open(new KeyValueOptions { Type = "redis", Url = $"redis://edge:{Secret}@127.0.0.1:{server.Port}" });
        using var stranger = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Username = "mallory", Password = Secret });

        await user.GetStore("ns").PutStringAsync("k", "v");

        Assert.Equal("v", await urlUser.GetStore("ns").GetStringAsync("k"));
        var ex = await Assert.ThrowsAsync<RedisException>(async () => await stranger.GetStore("ns").GetAsync("k"));
        Assert.Contains("Redis refused the credentials of user 'mallory'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_AclUserWithOnlyTheDocumentedRights_Work()
    {
        // The rights README.md lists for an ACL user: its commands, on the key prefix only.
        using var server = await RedisServer.StartAsync(
            "--user", "default", "off", "--user", "edge", "on", ">" + Secret, "~edge:*", "resetchannels",
            "+@connection", "+get", "+set", "+setex", "+psetex", "+unlink", "+exists", "+zadd", "+zrem", "+zrangebylex",
            "+multi", "+exec", "+evalsha", "+eval", "+script|load");
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis://edge:{Secret}@127.0.0.1:{server.Port}" });
        var store = database.GetStore("ns");

        await store.PutStringAsync("a", "1", TimeSpan.FromHours(1));
        await store.PutStringAsync("b", "2");

        Assert.Equal("1", await store.GetStringAsync("a"));
        Assert.Equal(["a", "b"], await ListAsync(store));
        Assert.True(await store.DeleteAsync("a"));
        Assert.Equal(["b"], await ListAsync(store));
    }

    [Fact]
    public async Task PutAsync_DatabaseInUrl_SelectsIt()
    {
        using var server = await RedisServer.StartAsync();
        using var three = Open(new KeyValueOptions { Type = "redis", Url = server.Url + "/3" });
        using var zero = Open(new KeyValueOptions { Type = "redis", Url = server.Url });

        await three.GetStore("ns").PutStringAsync("k", "in three");

        Assert.Null(await zero.GetStore("ns").GetAsync("k"));
        Assert.Equal("in three", await three.GetStore("ns").GetStringAsync("k"));
        Assert.Equal(2, (long)await three.RawAsync("DBSIZE"));
        Assert.Equal(0, (long)await zero.RawAsync("DBSIZE"));
    }

    [Fact]
    public async Task Operations_ServerKilledThenRestarted_FailFastThenWorkAgain()
    {
        using var server = await RedisServer.StartAsync();
        var logger = new ListLogger();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url, ConnectTimeout = TimeSpan.FromSeconds(30), OperationTimeout = TimeSpan.FromSeconds(30) }, logger);
        var store = database.GetStore("ns");
        await store.PutStringAsync("k", "before");
        var restored = await WhenReconnectedAsync(database);

        server.Kill();
        var clock = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<RedisException>(async () => await store.GetAsync("k"));
        var downAgain = await Assert.ThrowsAsync<RedisException>(async () => await store.PutStringAsync("k", "v"));
        clock.Stop();

        // Neither waited for a timeout: the library knows the connection is gone and queues nothing.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Two failed operations took {clock.Elapsed}.");
        Assert.Contains($"Redis at 127.0.0.1:{server.Port}", down.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Could not connect to Redis at 127.0.0.1:{server.Port} (PUT): ", downAgain.Message, StringComparison.Ordinal);

        await server.StartAgainAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));

        // No persistence: the restarted server is empty, and the same store works on the library's new connection.
        Assert.Null(await store.GetAsync("k"));
        await store.PutStringAsync("k", "after");
        Assert.Equal("after", await store.GetStringAsync("k"));
        Assert.Equal(["k"], await ListAsync(store));
        var entries = logger.Entries.ToList();
        Assert.Single(entries, e => e.EventId == 2 && e.Level == LogLevel.Warning && e.Message.StartsWith($"Redis at 127.0.0.1:{server.Port} is unavailable", StringComparison.Ordinal));
        Assert.Single(entries, e => e.EventId == 3 && e.Message == $"Redis at 127.0.0.1:{server.Port} is reachable again");
    }

    [Fact]
    public async Task Operations_ServerRestartedWhileIdle_WorkOnceTheLibraryReconnected()
    {
        using var server = await RedisServer.StartAsync();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url });
        var store = database.GetStore("ns");
        await store.PutStringAsync("k", "before");
        var restored = await WhenReconnectedAsync(database);

        server.Kill();
        await server.StartAgainAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_ServerStopsAnswering_TimesOutWithinOperationTimeout()
    {
        using var server = await RedisServer.StartAsync();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url, OperationTimeout = TimeSpan.FromMilliseconds(300) });
        var store = database.GetStore("ns");
        await store.PutStringAsync("k", "v");

        await server.PauseAsync();
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RedisException>(async () => await store.GetAsync("k"));
        clock.Stop();
        await server.ResumeAsync();

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Equal($"Redis at 127.0.0.1:{server.Port} did not answer GET within 00:00:00.3000000.", ex.Message);
        // The late reply to the abandoned GET is not mistaken for the next one's.
        await store.PutStringAsync("k2", "v2");
        Assert.Equal("v2", await store.GetStringAsync("k2"));
    }

    [Fact]
    public async Task GetAsync_ServerNeverAnswersHandshake_FailsWithinConnectTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var database = Open(new KeyValueOptions
        {
            Type = "redis",
            Url = $"redis://127.0.0.1:{port}",
            Password = Secret,
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
            OperationTimeout = TimeSpan.FromSeconds(30),
        });

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RedisException>(async () => await database.GetStore("ns").GetAsync("k"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.StartsWith($"Could not connect to Redis at 127.0.0.1:{port} ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(GET)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_CallerCancelsWhileServerHangs_ThrowsOperationCanceledPromptly()
    {
        using var server = await RedisServer.StartAsync();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url, OperationTimeout = TimeSpan.FromSeconds(30) });
        var store = database.GetStore("ns");
        await store.PutStringAsync("k", "v");
        await server.PauseAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.GetAsync("k", cancel.Token));
        clock.Stop();
        await server.ResumeAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Cancellation took {clock.Elapsed}.");
        Assert.Equal("v", await store.GetStringAsync("k"));
    }

    [Fact]
    public async Task GetAsync_CallerCancelsWhileConnecting_ThrowsOperationCanceledPromptly()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis://127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromSeconds(30) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await database.GetStore("ns").GetAsync("k", cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Cancellation took {clock.Elapsed}.");
    }

    [Fact]
    public async Task Operations_Tls_TrustedThroughCaCertificatePath()
    {
        using var ca = TestCertificateAuthority.Create();
        using var server = await StartTlsServerAsync(ca, "redis.test");
        var caPath = server.Directory.Combine("ca.crt");
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url, CaCertificatePath = caPath, Password = Secret });
        var store = database.GetStore("ns");
        var id = await database.ConnectionIdAsync();

        await store.PutStringAsync("k", "over tls");

        Assert.Equal("over tls", await store.GetStringAsync("k"));
        Assert.Equal(["k"], await ListAsync(store));
        // One TLS connection carried every operation.
        Assert.Equal(id, await database.ConnectionIdAsync());
    }

    [Fact]
    public async Task Operations_TlsUntrustedOrWrongName_FailNamingTheReason()
    {
        using var ca = TestCertificateAuthority.Create();
        using var server = await StartTlsServerAsync(ca, "redis.test");
        using var untrusted = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Password = Secret });
        using var wrongName = Open(new KeyValueOptions
        {
            Type = "redis",
            Url = $"rediss://localhost:{server.Port}",
            CaCertificatePath = server.Directory.Combine("ca.crt"),
            Password = Secret,
        });

        var notTrusted = await Assert.ThrowsAsync<RedisException>(async () => await untrusted.GetStore("ns").GetAsync("k"));
        var mismatch = await Assert.ThrowsAsync<RedisException>(async () => await wrongName.GetStore("ns").GetAsync("k"));

        Assert.Contains("not trusted by the system store", notTrusted.Message, StringComparison.Ordinal);
        Assert.Contains("CaCertificatePath", notTrusted.Message, StringComparison.Ordinal);
        Assert.Contains("not valid for the name 'localhost'", mismatch.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, notTrusted.ToString() + mismatch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_PlainClientAgainstTlsPort_FailsInsteadOfHanging()
    {
        using var ca = TestCertificateAuthority.Create();
        using var server = await StartTlsServerAsync(ca, "redis.test");
        using var plain = Open(new KeyValueOptions
        {
            Type = "redis",
            Url = $"redis://127.0.0.1:{server.Port}",
            OperationTimeout = TimeSpan.FromSeconds(2),
        });

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisException>(async () => await plain.GetStore("ns").GetAsync("k"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"The failure took {clock.Elapsed}.");
    }

    private static async Task<RedisServer> StartTlsServerAsync(TestCertificateAuthority ca, string name)
    {
        using var certificate = ca.Issue(name);
        var files = new TempDirectory();
        try
        {
            var (certificatePath, keyPath) = TestCertificateAuthority.WritePem(certificate, files.Path, "server");
            var caPath = files.Combine("ca.crt");
            await File.WriteAllTextAsync(caPath, ca.CertificatePem);
            var server = await RedisServer.StartAsync(
                tls: true,
                "--tls-cert-file", certificatePath,
                "--tls-key-file", keyPath,
                "--tls-ca-cert-file", caPath,
                "--tls-auth-clients", "no",
                "--requirepass", Secret);
            File.Copy(caPath, server.Directory.Combine("ca.crt"));
            return server;
        }
        finally
        {
            // redis-server has read its files at start-up.
            files.Dispose();
        }
    }

    private static RedisKeyValueDatabase Open(KeyValueOptions options, ILogger? logger = null)
    {
        var errors = new List<string>();
        var parsed = RedisKeyValueOptions.Parse(options, errors);
        Assert.True(parsed is not null, string.Join(Environment.NewLine, errors));
        return new RedisKeyValueDatabase(parsed, TimeProvider.System, logger);
    }

    /// <summary>Completes when the library next restores <paramref name="database"/>'s connection.</summary>
    private static async Task<Task> WhenReconnectedAsync(RedisKeyValueDatabase database)
    {
        var multiplexer = await database.Connection.GetMultiplexerAsync("TEST", CancellationToken.None);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };
        return restored.Task;
    }

    private static async Task<List<string>> ListAsync(RedisKeyValueStore store)
    {
        var keys = new List<string>();
        await foreach (var key in store.ListKeysAsync(string.Empty))
        {
            keys.Add(key);
        }

        return keys;
    }
}
