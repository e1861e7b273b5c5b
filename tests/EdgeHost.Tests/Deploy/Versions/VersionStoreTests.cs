using Edge.Host.Deploy.Versions;
using Edge.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Host.Tests.Deploy.Versions;

public sealed class VersionStoreTests : IDisposable
{
    private static readonly FunctionManifest Manifest = new(
        null, ["*/hello"], new Dictionary<string, string> { ["A"] = "1" }, new Dictionary<string, string>(), new Dictionary<string, string>(), [], null, null, FunctionIsolation.Worker);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Create_Versions_NumberedFromOneAndListedNewestFirst()
    {
        var store = new VersionStore(_dir.Path, _time);

        var first = await CreateAsync(store, "hello", "one");
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await CreateAsync(store, "hello", "two");

        Assert.Equal(("v1", "v2"), (first.Id, second.Id));
        Assert.Equal([2, 1], store.List("hello").Select(v => v.Number));
        Assert.Equal(second, store.List("hello")[0] with { Manifest = second.Manifest, SecretNames = second.SecretNames });
        Assert.Equal(_time.GetUtcNow(), store.Get("hello", 2)!.CreatedAt);
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(store.CodeDirectory(second), "handler.cs")));
        Assert.Equal(Manifest.Routes, store.Get("hello", 1)!.Manifest.Routes);
        Assert.Equal("1", store.Get("hello", 1)!.Manifest.Vars["A"]);
    }

    [Fact]
    public async Task Create_SameCode_SameDigest_DifferentCode_DifferentDigest()
    {
        var store = new VersionStore(_dir.Path, _time);

        var a = await CreateAsync(store, "hello", "same");
        var b = await CreateAsync(store, "hello", "same");
        var c = await CreateAsync(store, "hello", "other");

        Assert.Equal(a.CodeDigest, b.CodeDigest);
        Assert.NotEqual(a.CodeDigest, c.CodeDigest);
        Assert.Matches("^sha256:[0-9a-f]{64}$", a.CodeDigest);
    }

    [Fact]
    public async Task Create_Secrets_StoredOwnerOnlyAndNeverInTheVersionRecord()
    {
        var store = new VersionStore(_dir.Path, _time);

        var version = await CreateAsync(store, "hello", "x", new Dictionary<string, string> { ["TOKEN"] = "hunter2", ["API_KEY"] = "k" });

        Assert.Equal(["API_KEY", "TOKEN"], version.SecretNames);
        Assert.Equal("hunter2", (await store.ReadSecretsAsync(version, CancellationToken.None))["TOKEN"]);
        var versionJson = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(store.CodeDirectory(version))!, "version.json"));
        Assert.DoesNotContain("hunter2", versionJson, StringComparison.Ordinal);
        Assert.False(OperatingSystem.IsWindows(), "file modes are checked where Edge runs: Linux");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(Path.Combine(Path.GetDirectoryName(store.CodeDirectory(version))!, "secrets.json"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Fact]
    public async Task Create_CodeWriterFails_NothingLeftAndTheNextVersionIsStillOne()
    {
        var store = new VersionStore(_dir.Path, _time);

        await Assert.ThrowsAsync<IOException>(() => store.CreateAsync("hello", Manifest, CodeKind.Source, async (dir, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "partial.cs"), "half", ct);
            throw new IOException("disk full");
        }, new Dictionary<string, string>(), null, CancellationToken.None));
        var next = await CreateAsync(store, "hello", "ok");

        Assert.Equal(1, next.Number);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_dir.Path, "functions", "hello", ".staging")));
    }

    [Fact]
    public void Open_StagingLeftByACrash_Removed()
    {
        var leftover = Path.Combine(_dir.Path, "functions", "hello", ".staging", "abc", "code");
        Directory.CreateDirectory(leftover);

        _ = new VersionStore(_dir.Path, _time);

        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "functions", "hello", ".staging")));
    }

    [Fact]
    public async Task State_SetAndRead_AndOnlyDeployedFunctionsListed()
    {
        var store = new VersionStore(_dir.Path, _time);
        await CreateAsync(store, "hello", "x");
        await CreateAsync(store, "draft", "x");

        await store.SetStateAsync("hello", new FunctionState(1, Candidate: 2, CandidatePercent: 10), CancellationToken.None);

        Assert.Equal(new FunctionState(1, 2, 10), store.GetState("hello"));
        Assert.Null(store.GetState("draft"));
        Assert.Equal(["hello"], store.Functions());
    }

    [Fact]
    public async Task Prune_KeepsTheNewestAndEveryProtectedVersion()
    {
        var store = new VersionStore(_dir.Path, _time);
        for (var i = 0; i < 6; i++)
        {
            await CreateAsync(store, "hello", "v" + i);
        }

        var deleted = store.Prune("hello", keep: 3, protect: new HashSet<int> { 2 });

        Assert.Equal([3, 1], deleted);
        Assert.Equal([6, 5, 4, 2], store.List("hello").Select(v => v.Number));
    }

    [Fact]
    public async Task Delete_RemovesEverything()
    {
        var store = new VersionStore(_dir.Path, _time);
        await CreateAsync(store, "hello", "x");
        await store.SetStateAsync("hello", new FunctionState(1), CancellationToken.None);

        store.Delete("hello");

        Assert.Empty(store.Functions());
        Assert.Empty(store.List("hello"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_dir.Path, "functions")));
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("-hello")]
    [InlineData("hello-")]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("a_b")]
    public void IsValidName_NotADnsLabel_False(string name) => Assert.False(VersionStore.IsValidName(name));

    [Theory]
    [InlineData("a")]
    [InlineData("hello")]
    [InlineData("short-links-2")]
    public void IsValidName_DnsLabel_True(string name) => Assert.True(VersionStore.IsValidName(name));

    private static Task<FunctionVersion> CreateAsync(VersionStore store, string function, string code, Dictionary<string, string>? secrets = null) =>
        store.CreateAsync(function, Manifest, CodeKind.Source, (dir, ct) => File.WriteAllTextAsync(Path.Combine(dir, "handler.cs"), code, ct), secrets ?? [], null, CancellationToken.None);
}
