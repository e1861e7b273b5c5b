using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Edge.Functions;
using Edge.Bindings.Redis;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;

namespace Edge.Bindings.Tests;

/// <summary>
/// The Redis store against servers that ask for credentials, speak TLS, stop, restart or never answer: each
/// failure is a prompt <see cref="RedisException"/> naming the endpoint, never a hang, never a credential.
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

        Assert.Contains("WRONGPASS", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{server.Port}", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, refused.ToString(), StringComparison.Ordinal);
        Assert.Contains("NOAUTH", unauthenticated.Message, StringComparison.Ordinal);
        Assert.StartsWith("NOAUTH", unauthenticated.ServerError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_AclUser_AuthenticatesAsThatUser()
    {
        using var server = await RedisServer.StartAsync("--user", "edge", "on", ">" + Secret, "~*", "&*", "+@all");
        using var user = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Username = "edge", Password = Secret });
        using var urlUser = Open(new KeyValueOptions { Type = "redis", Url = $"redis://edge:{Secret}@127.0.0.1:{server.Port}" });
        using var stranger = Open(new KeyValueOptions { Type = "redis", Url = server.Url, Username = "mallory", Password = Secret });

        await user.GetStore("ns").PutStringAsync("k", "v");

        Assert.Equal("v", await urlUser.GetStore("ns").GetStringAsync("k"));
        var ex = await Assert.ThrowsAsync<RedisException>(async () => await stranger.GetStore("ns").GetAsync("k"));
        Assert.Contains("WRONGPASS", ex.Message, StringComparison.Ordinal);
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
        var sizes = await three.Pool.ExecuteAsync("TEST", [RedisCommand.Create("DBSIZE")], default);
        Assert.Equal(2, sizes[0].Integer);
    }

    [Fact]
    public async Task Operations_ServerKilledThenRestarted_FailFastThenWorkAgain()
    {
        using var server = await RedisServer.StartAsync();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url, ConnectTimeout = TimeSpan.FromSeconds(2), OperationTimeout = TimeSpan.FromSeconds(2) });
        var store = database.GetStore("ns");
        await store.PutStringAsync("k", "before");

        server.Kill();
        var clock = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<RedisException>(async () => await store.GetAsync("k"));
        var downAgain = await Assert.ThrowsAsync<RedisException>(async () => await store.PutStringAsync("k", "v"));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Two failed operations took {clock.Elapsed}.");
        Assert.Contains($"Could not connect to Redis at 127.0.0.1:{server.Port}", down.Message, StringComparison.Ordinal);
        Assert.Contains("(PUT)", downAgain.Message, StringComparison.Ordinal);

        await server.StartAgainAsync();

        // No persistence: the restarted server is empty, and the store works on new connections.
        Assert.Null(await store.GetAsync("k"));
        await store.PutStringAsync("k", "after");
        Assert.Equal("after", await store.GetStringAsync("k"));
        Assert.Equal(["k"], await ListAsync(store));
    }

    [Fact]
    public async Task Operations_ServerRestartedWhileIdle_ReconnectWithoutFailing()
    {
        using var server = await RedisServer.StartAsync();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = server.Url });
        var store = database.GetStore("ns");
        await store.PutStringAsync("k", "before");

        server.Kill();
        await server.StartAgainAsync();

        // The idle connection was closed by the old server; the pool notices and opens a new one.
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_ServerNeverAnswers_TimesOutWithinOperationTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis://127.0.0.1:{port}", OperationTimeout = TimeSpan.FromMilliseconds(300) });

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RedisException>(async () => await database.GetStore("ns").GetAsync("k"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Equal($"Redis at 127.0.0.1:{port} did not answer GET within 00:00:00.3000000.", ex.Message);
    }

    [Fact]
    public async Task GetAsync_ServerNeverAnswersAuth_TimesOutWithinConnectTimeout()
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
        Assert.Equal($"Could not connect to Redis at 127.0.0.1:{port} within 00:00:00.3000000 (GET).", ex.Message);
    }

    [Fact]
    public async Task GetAsync_CallerCancels_ThrowsOperationCanceledPromptly()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis://127.0.0.1:{port}", OperationTimeout = TimeSpan.FromSeconds(30) });
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

        await store.PutStringAsync("k", "over tls");

        Assert.Equal("over tls", await store.GetStringAsync("k"));
        Assert.Equal(["k"], await ListAsync(store));
        // One TLS connection carried every operation: an idle TLS socket is not mistaken for a closed one.
        var info = (await database.Pool.ExecuteAsync("INFO", [RedisCommand.Create("INFO", "stats")], default))[0];
        Assert.Contains("total_connections_received:1\r\n", System.Text.Encoding.UTF8.GetString(info.Bytes!), StringComparison.Ordinal);
        Assert.Equal(1, database.Pool.IdleCount);
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

    private static RedisKeyValueDatabase Open(KeyValueOptions options)
    {
        var errors = new List<string>();
        var parsed = RedisKeyValueOptions.Parse(options, errors);
        Assert.True(parsed is not null, string.Join(Environment.NewLine, errors));
        return new RedisKeyValueDatabase(parsed, TimeProvider.System);
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
