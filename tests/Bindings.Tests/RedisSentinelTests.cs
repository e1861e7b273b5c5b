using System.Globalization;
using System.Net;
using Edge.Functions;
using Edge.Bindings.Redis;
using Edge.Bindings.Tests.TestSupport;
using Edge.Tests.Shared;
using StackExchange.Redis;
using RedisException = Edge.Bindings.Redis.RedisException;

namespace Edge.Bindings.Tests;

/// <summary>
/// <c>redis+sentinel://</c> against real servers on loopback: a primary, its replica and a Sentinel watching them
/// with short timeouts. The store follows the Sentinel's failover by itself, writes included.
/// </summary>
public sealed class RedisSentinelTests
{
    private const string Service = "edge";
    private const string Secret = "s3ntinel-Pa55word";

    [Fact]
    public async Task Operations_PrimaryKilled_ServeFromPromotedReplicaWithoutRestart()
    {
        using var primary = await RedisServer.StartAsync("--requirepass", Secret, "--masterauth", Secret);
        using var replica = await StartReplicaAsync(primary);
        using var sentinel = await StartSentinelAsync(primary, $"sentinel auth-pass {Service} {Secret}");
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis+sentinel://127.0.0.1:{sentinel.Port}/{Service}", Password = Secret });
        var store = database.GetStore("ns");
        await store.PutStringAsync("before", "1");
        await store.PutStringAsync("expiring", "x", TimeSpan.FromHours(1));
        // Replication is asynchronous: make sure the replica has both writes before the primary goes.
        Assert.Equal(1, (long)await primary.CommandAsync("WAIT", [1, 10_000], Secret));

        primary.Kill();
        await WaitForPrimaryAsync(sentinel, replica.Port);

        // The Sentinel has promoted the replica; the library learns of it and reconnects on its own.
        await EventuallyAsync(() => store.PutStringAsync("after", "2").AsTask());
        Assert.Equal("1", await store.GetStringAsync("before"));
        Assert.Equal("2", await store.GetStringAsync("after"));
        Assert.Equal(["after", "before", "expiring"], await ListAsync(store));
        Assert.True(await store.DeleteAsync("expiring"));
        Assert.Equal("2", (string?)await replica.CommandAsync("GET", ["edge:kv:2:ns:after"], Secret));
        Assert.Contains("role:master", await (await replica.AdminAsync(Secret)).InfoRawAsync("replication"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_SentinelWithPasswordOfItsOwn_NeedsSentinelPassword()
    {
        const string SentinelSecret = "only-the-sentinels-Pa55";
        using var primary = await RedisServer.StartAsync("--requirepass", Secret);
        using var sentinel = await StartSentinelAsync(primary, $"sentinel auth-pass {Service} {Secret}", $"requirepass {SentinelSecret}");
        var url = $"redis+sentinel://127.0.0.1:{sentinel.Port}/{Service}/2";
        using var right = Open(new KeyValueOptions { Type = "redis", Url = url, Password = Secret, SentinelPassword = SentinelSecret });
        using var wrong = Open(new KeyValueOptions { Type = "redis", Url = url, Password = Secret });

        await right.GetStore("ns").PutStringAsync("k", "v");

        Assert.Equal("v", await right.GetStore("ns").GetStringAsync("k"));
        Assert.Equal("v", (string?)await primary.CommandAsync("EVAL", ["redis.call('SELECT', 2) return redis.call('GET', KEYS[1])", 1, "edge:kv:2:ns:k"], Secret));
        var ex = await Assert.ThrowsAsync<RedisException>(async () => await wrong.GetStore("ns").GetAsync("k"));
        Assert.Equal(
            $"Could not connect to Redis at {Service}/2 via Sentinel 127.0.0.1:{sentinel.Port} (GET): the Sentinel at 127.0.0.1:{sentinel.Port} refused the password; check Edge:KeyValue:SentinelPassword (without it, the Sentinels get Edge:KeyValue:Password).",
            ex.Message);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SentinelSecret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_SentinelDownAtFirstUse_FailThenWorkOnceItIsUp()
    {
        using var primary = await RedisServer.StartAsync();
        using var sentinel = await StartSentinelAsync(primary);
        sentinel.Kill();
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis+sentinel://127.0.0.1:{sentinel.Port}/{Service}", ConnectTimeout = TimeSpan.FromSeconds(2) });
        var store = database.GetStore("ns");

        var ex = await Assert.ThrowsAsync<RedisException>(async () => await store.GetAsync("k"));
        await sentinel.StartAgainAsync();
        await WaitForPrimaryAsync(sentinel, primary.Port);

        Assert.StartsWith($"Could not connect to Redis at {Service} via Sentinel 127.0.0.1:{sentinel.Port}", ex.Message, StringComparison.Ordinal);
        // The library asks the Sentinel again on its reconnect schedule; the same store then works.
        await EventuallyAsync(() => store.PutStringAsync("k", "v").AsTask());
        Assert.Equal("v", await store.GetStringAsync("k"));
    }

    [Fact]
    public async Task Operations_UnknownService_FailNamingIt()
    {
        using var primary = await RedisServer.StartAsync();
        using var sentinel = await StartSentinelAsync(primary);
        using var database = Open(new KeyValueOptions { Type = "redis", Url = $"redis+sentinel://127.0.0.1:{sentinel.Port}/other", ConnectTimeout = TimeSpan.FromSeconds(1) });

        var ex = await Assert.ThrowsAsync<RedisException>(async () => await database.GetStore("ns").GetAsync("k"));

        Assert.StartsWith($"Could not connect to Redis at other via Sentinel 127.0.0.1:{sentinel.Port}", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<RedisServer> StartReplicaAsync(RedisServer primary)
    {
        var replica = await RedisServer.StartAsync("--requirepass", Secret, "--masterauth", Secret, "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        try
        {
            // A Sentinel learns of replicas from its primary's INFO, at once only if the link is already up.
            var admin = await replica.AdminAsync(Secret);
            await EventuallyAsync(async () => Assert.Contains("master_link_status:up", await admin.InfoRawAsync("replication"), StringComparison.Ordinal));
            return replica;
        }
        catch
        {
            replica.Dispose();
            throw;
        }
    }

    private static async Task<RedisServer> StartSentinelAsync(RedisServer primary, params string[] settings)
    {
        var sentinel = await RedisServer.StartSentinelAsync(Service, primary, settings);
        try
        {
            await WaitForPrimaryAsync(sentinel, primary.Port, settings.FirstOrDefault(s => s.StartsWith("requirepass ", StringComparison.Ordinal))?["requirepass ".Length..]);
            return sentinel;
        }
        catch
        {
            sentinel.Dispose();
            throw;
        }
    }

    /// <summary>Waits (bounded) until <paramref name="sentinel"/> names the server on <paramref name="port"/> as the primary.</summary>
    private static async Task WaitForPrimaryAsync(RedisServer sentinel, int port, string? password = null)
    {
        var admin = await sentinel.AdminAsync(password);
        await EventuallyAsync(async () =>
        {
            var primary = await admin.SentinelGetMasterAddressByNameAsync(Service);
            Assert.Equal(port, Assert.IsType<IPEndPoint>(primary).Port);
        });
    }

    /// <summary>
    /// Runs <paramref name="check"/> until it passes: at most 300 tries, 100 ms apart (the topology settles within
    /// a few seconds here); the last failure is the test's.
    /// </summary>
    private static async Task EventuallyAsync(Func<Task> check)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await check();
                return;
            }
            catch (Exception) when (attempt < 300)
            {
                await Task.Delay(100);
            }
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
