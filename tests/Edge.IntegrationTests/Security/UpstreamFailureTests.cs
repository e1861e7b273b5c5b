using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>Rate-limited, unreachable and silent upstreams become registry errors naming the upstream; the host survives.</summary>
public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task RateLimitedUpstream_Manifest429_ClientSeesHeadersAndStaleTagStillServed()
    {
        await using var registry = await DistributionRegistry.StartNewAsync();
        var cached = await TestImage.Create("library/rl-test", "1").WithLayer(64 * 1024, 41).PushAsync(registry);
        await TestImage.Create("library/rl-cold", "1").WithLayer(16 * 1024, 42).PushAsync(registry);
        var frontPort = FreePort.Next();
        var distribution = "http://127.0.0.1:" + Nginx.Port(registry.Port);
        await using var nginx = await Nginx.StartAsync(
            $$"""
              server {
                listen 127.0.0.1:{{Nginx.Port(frontPort)}};
                access_log @DIR@/front.log edge;
                location ~ ^/v2/.+/manifests/ {
                  if (-f @DIR@/limited) {
                    add_header RateLimit-Limit "100;w=21600" always;
                    add_header RateLimit-Remaining "0;w=21600" always;
                    add_header Retry-After "3600" always;
                    return 429 '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}';
                  }
                  proxy_pass {{distribution}};
                }
                location / {
                  proxy_pass {{distribution}};
                }
              }
            """,
            frontPort);
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", "http://127.0.0.1:" + Nginx.Port(frontPort))
            .WithSetting("Registry:TagTtl", "00:00:01")
            .StartAsync();
        using var skopeo = new Skopeo();
        using var http = EdgeHttp.CreateClient();

        var warm = await skopeo.CopyToDirAsync($"docker://{edge.Host}/rl-test:1");
        Assert.True(warm.Succeeded, warm.Command.Describe() + edge.Output);
        Assert.Equal(cached.ManifestDigest, warm.ManifestDigest);

        var warmRaw = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/rl-test/manifests/1");
        Assert.Equal(HttpStatusCode.OK, warmRaw.Status);

        await File.WriteAllTextAsync(nginx.PathOf("limited"), "on");
        using (var probe = await http.GetAsync($"http://127.0.0.1:{Nginx.Port(frontPort)}/v2/library/rl-cold/manifests/1"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, probe.StatusCode);
        }

        // An uncached tag: the client sees 429, the rate-limit headers and a TOOMANYREQUESTS error.
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            var limited = await EdgeHttp.SendAsync(http, method, $"{edge.Url}/v2/rl-cold/manifests/1");
            Assert.True(limited.Status == HttpStatusCode.TooManyRequests, $"{method}: {(int)limited.Status} {limited.Body}");
            Assert.Equal("100;w=21600", Header(limited.Headers, "RateLimit-Limit"));
            Assert.Equal("0;w=21600", Header(limited.Headers, "RateLimit-Remaining"));
            Assert.Equal("3600", Header(limited.Headers, "Retry-After"));
            if (method == HttpMethod.Get)
            {
                Assert.Equal("TOOMANYREQUESTS", EdgeHttp.ErrorCode(limited.Body));
            }
        }

        // A cached tag past its TTL: revalidation gets 429, the cached manifest is served (stale), to skopeo and to a raw
        // client (each cached under its own Accept).
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var again = await skopeo.CopyToDirAsync($"docker://{edge.Host}/rl-test:1");
        Assert.True(again.Succeeded, again.Command.Describe() + edge.Output);
        Assert.Equal(cached.ManifestDigest, again.ManifestDigest);
        var stale = await EdgeHttp.SendAsync(http, HttpMethod.Get, $"{edge.Url}/v2/rl-test/manifests/1");
        Assert.True(stale.Status == HttpStatusCode.OK, stale.Body + edge.Output);
        Assert.Equal(cached.ManifestJson, stale.Body);
        Assert.Equal(cached.ManifestDigest, Header(stale.Headers, "Docker-Content-Digest"));
        await EdgeHttp.WaitForOutputAsync(edge, o => CountOccurrences(o, "GET /v2/rl-test/manifests/1 200 upstream=docker repo=library/rl-test cache=stale") == 2, "two stale manifest answers");
        var front = nginx.ReadLog("front.log");
        Assert.True(front.Contains("\"HEAD /v2/library/rl-test/manifests/1 HTTP/1.1\" 429", StringComparison.Ordinal), front);
        await EdgeHttp.AssertHealthyAsync(edge);
    }

    [Fact]
    public async Task UnreachableAndSilentUpstreams_502And504NamingUpstream_HostStaysHealthy()
    {
        var deadPort = FreePort.Next();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(64);
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        using var stopAccepting = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    // Accept and hold every connection, never answering.
                    accepted.Add(await silent.AcceptSocketAsync(stopAccepting.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var edge = await EdgeProcess.Create()
            .WithSetting("Registry:Upstreams:docker:Url", "http://127.0.0.1:" + deadPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("Registry:Upstreams:ghcr:Url", "http://127.0.0.1:" + silentPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("Registry:UpstreamTimeout", "00:00:02")
            // This test is about each failure's status and message; the circuit breaker, which would answer the later
            // requests with 503 "considered down", has its own tests (Proxy/UpstreamResilienceTests).
            .WithSetting("Registry:Resilience:MinimumThroughput", "1000")
            .StartAsync();
        using var http = EdgeHttp.CreateClient(TimeSpan.FromSeconds(30));
        const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

        try
        {
            // Unreachable: 502 naming the upstream.
            foreach (var path in new[] { "/v2/library/x/manifests/1", "/v2/library/x/blobs/" + Digest, "/v2/library/x/tags/list", "/v2/x/manifests/" + Digest })
            {
                var dead = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + path);
                Assert.True(dead.Status == HttpStatusCode.BadGateway, $"{path}: {(int)dead.Status} {dead.Body}");
                Assert.Equal("UNAVAILABLE", EdgeHttp.ErrorCode(dead.Body));
                Assert.Contains("upstream 'docker'", EdgeHttp.ErrorMessage(dead.Body), StringComparison.Ordinal);
            }

            // Silent (accepts TCP, never answers): 504 naming the upstream, bounded by UpstreamTimeout.
            foreach (var path in new[] { "/v2/ghcr.io/owner/app/manifests/1", "/v2/ghcr.io/owner/app/blobs/" + Digest })
            {
                var clock = Stopwatch.StartNew();
                var timedOut = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + path);
                clock.Stop();
                Assert.True(timedOut.Status == HttpStatusCode.GatewayTimeout, $"{path}: {(int)timedOut.Status} {timedOut.Body}");
                Assert.Contains("upstream 'ghcr'", EdgeHttp.ErrorMessage(timedOut.Body), StringComparison.Ordinal);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"{path} took {clock.Elapsed}");
                Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"{path} answered after only {clock.Elapsed}: did it wait at all?");
            }

            // Hostile input on the same process: errors, not crashes.
            foreach (var path in new[] { "/v2/../../etc/passwd/manifests/1", "/v2/UPPER/manifests/1", "/v2/x/blobs/sha256:zz", "/v2/x/manifests/" + new string('a', 5000), "/v2/evil.example.com/x/manifests/1", "/_edge/token/nope" })
            {
                var bad = await EdgeHttp.SendAsync(http, HttpMethod.Get, edge.Url + path);
                Assert.True((int)bad.Status is >= 400 and < 500, $"{path}: {(int)bad.Status} {bad.Body}");
            }

            using var push = await http.PostAsync(edge.Url + "/v2/x/blobs/uploads/", new StringContent("x"));
            Assert.True((int)push.StatusCode is >= 400 and < 500, $"push answered {(int)push.StatusCode}");
            using var form = await http.PostAsync(edge.Url + "/_edge/token/docker", new StringContent("{not a form", System.Text.Encoding.UTF8, "application/json"));
            Assert.True((int)form.StatusCode is >= 400 and < 500, $"token POST of JSON answered {(int)form.StatusCode}");

            await EdgeHttp.AssertHealthyAsync(edge);
            Assert.True(edge.IsRunning);
        }
        finally
        {
            await stopAccepting.CancelAsync();
            silent.Stop();
            await acceptLoop;
            foreach (var socket in accepted)
            {
                socket.Dispose();
            }
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string? Header(System.Net.Http.Headers.HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
