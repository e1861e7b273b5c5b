using System.Net;
using System.Text.Json;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

/// <summary>One proxy (with one cached blob) shared by the malformed-input cases.</summary>
public sealed class MalformedRequestFixture : IAsyncLifetime
{
    private ProxyTestbed? _bed;

    internal ProxyTestbed Bed => _bed ?? throw new InvalidOperationException("Not started.");

    internal PushedImage Image { get; private set; } = null!;

    internal HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    internal string[] ParentEntriesBefore { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _bed = await ProxyTestbed.StartAsync();
        Image = await TestImage.Create("library/malformed-test", "1").WithLayer(64 * 1024, 901).PushAsync(_bed.Docker);
        using var warm = await Http.GetAsync(new Uri($"{_bed.Edge.Url}/v2/malformed-test/blobs/{Image.Layers[0].Digest}"));
        warm.EnsureSuccessStatusCode();
        ParentEntriesBefore = ParentEntries();
    }

    internal string[] ParentEntries() =>
        [.. Directory.EnumerateFileSystemEntries(Bed.SandboxDirectory, "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(Bed.Edge.DataDirectory + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}

public sealed class MalformedRequestTests(MalformedRequestFixture fixture) : IClassFixture<MalformedRequestFixture>
{
    private const string Zeros = "0000000000000000000000000000000000000000000000000000000000000000";

    [Theory]
    [InlineData("GET", "/v2/UPPER/manifests/1", 400, "NAME_INVALID")]
    [InlineData("GET", "/v2/a//b/manifests/1", 400, "NAME_INVALID")]
    [InlineData("GET", "/v2/a-/manifests/1", 400, "NAME_INVALID")]
    [InlineData("GET", "/v2/a/blobs/sha256:zz", 400, "DIGEST_INVALID")]
    [InlineData("GET", "/v2/a/manifests/sha256:123", 400, "DIGEST_INVALID")]
    [InlineData("HEAD", "/v2/a/blobs/md5:" + Zeros, 400, "DIGEST_INVALID")]
    [InlineData("GET", "/v2/a/manifests/-bad", 400, "TAG_INVALID")]
    [InlineData("GET", "/v2/a/manifests/.hidden", 400, "TAG_INVALID")]
    [InlineData("GET", "/v2/a/manifests/" + Zeros + Zeros + Zeros, 400, "TAG_INVALID")]
    [InlineData("GET", "/v2/../../etc/passwd", 404, "NOT_FOUND")]
    [InlineData("GET", "/v2/a/blobs/..%2f..%2fetc", 400, "DIGEST_INVALID")]
    [InlineData("GET", "/v2/a/manifests/..%2f..%2f..%2fetc%2fpasswd", 400, "TAG_INVALID")]
    [InlineData("GET", "/v2/..%2f..%2fetc/manifests/1", 400, "NAME_INVALID")]
    [InlineData("GET", "/v2/a/manifests/1?ns=evil.example", 404, "NAME_UNKNOWN")]
    [InlineData("GET", "/v2/evil.example/a/manifests/1", 404, "NAME_UNKNOWN")]
    [InlineData("POST", "/v2/a/blobs/uploads/", 405, "UNSUPPORTED")]
    [InlineData("PUT", "/v2/a/manifests/1", 405, "UNSUPPORTED")]
    [InlineData("DELETE", "/v2/malformed-test/manifests/1", 405, "UNSUPPORTED")]
    public async Task Request_MalformedInput_RegistryJsonError(string method, string path, int status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), RawUri(path));
        if (method is "POST" or "PUT")
        {
            request.Content = new ByteArrayContent([1, 2, 3]);
        }

        using var response = await fixture.Http.SendAsync(request);

        await AssertRegistryErrorAsync(response, status, code, isHead: method == "HEAD");
        Assert.Equal(fixture.ParentEntriesBefore, fixture.ParentEntries());
        Assert.False(File.Exists(Path.Combine(fixture.Bed.Edge.DataDirectory, "passwd")));
    }

    [Theory]
    [InlineData("bytes=abc", 400)]
    [InlineData("bytes=5-2", 400)]
    [InlineData("items=0-1", 400)]
    [InlineData("bytes=99999999999-", 416)]
    public async Task BlobGet_BadRangeOnCachedBlob_RangeInvalid(string range, int status)
    {
        var layer = fixture.Image.Layers[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{fixture.Bed.Edge.Url}/v2/malformed-test/blobs/{layer.Digest}"));
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await fixture.Http.SendAsync(request);

        await AssertRegistryErrorAsync(response, status, "RANGE_INVALID", isHead: false);
        if (status == 416)
        {
            Assert.Equal($"bytes */{layer.Size}", response.Content.Headers.GetValues("Content-Range").Single());
        }

        await ProxyLogWait.UntilAsync(fixture.Bed.Edge, _ => ProxyLog.BlobGets(fixture.Bed.Edge.Output, layer.Digest).Any(l => l.Status == status && l.Cache == "hit"));
        Assert.Contains(ProxyLog.BlobGets(fixture.Bed.Edge.Output, layer.Digest), l => l.Status == status && l.Cache == "hit");
    }

    private Uri RawUri(string path) =>
        new(fixture.Bed.Edge.Url + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    private static async Task AssertRegistryErrorAsync(HttpResponseMessage response, int status, string code, bool isHead)
    {
        var body = await response.Content.ReadAsStringAsync();
        var context = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.OriginalString} -> {(int)response.StatusCode} {body}";
        Assert.True(status == (int)response.StatusCode, context);
        Assert.DoesNotContain("root:x:0", body, StringComparison.Ordinal);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        if (isHead)
        {
            Assert.Equal(string.Empty, body);
            return;
        }

        using var json = JsonDocument.Parse(body);
        var errors = json.RootElement.GetProperty("errors");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        var first = Assert.Single(errors.EnumerateArray());
        Assert.True(code == first.GetProperty("code").GetString(), context);
        Assert.False(string.IsNullOrWhiteSpace(first.GetProperty("message").GetString()), context);
    }
}
