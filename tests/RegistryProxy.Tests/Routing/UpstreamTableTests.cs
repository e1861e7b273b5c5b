using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Tests.Routing;

public class UpstreamTableTests
{
    private static (UpstreamTable Table, List<string> Errors) Build(RegistryProxyOptions options)
    {
        var errors = new List<string>();
        var table = UpstreamTable.Build(options, errors);
        return (table, errors);
    }

    private static List<string> ErrorsFor(string name, UpstreamOptions upstream) =>
        Build(new RegistryProxyOptions { Upstreams = { [name] = upstream } }).Errors;

    [Fact]
    public void Build_Defaults_AllBuiltInsWithoutErrors()
    {
        var (table, errors) = Build(new RegistryProxyOptions());

        Assert.Empty(errors);
        Assert.Equal(
            ["docker", "ecr", "gcr", "ghcr", "k8s", "k8s-gcr", "mcr", "quay"],
            table.All.Select(u => u.Name).Order(StringComparer.Ordinal));
        Assert.Equal("docker", table.Default.Name);
        Assert.True(table.Default.DockerHub);
        Assert.Null(table.Domain);
    }

    [Theory]
    [InlineData("docker.io", "docker")]
    [InlineData("index.docker.io", "docker")]
    [InlineData("registry-1.docker.io", "docker")]
    [InlineData("ghcr.io", "ghcr")]
    [InlineData("registry.k8s.io", "k8s")]
    [InlineData("k8s.gcr.io", "k8s-gcr")]
    [InlineData("public.ecr.aws", "ecr")]
    public void Build_Defaults_RegistryHostsResolve(string host, string upstream)
    {
        var table = Tables.Build();

        Assert.True(table.TryGetByRegistryHost(host, out var found));
        Assert.Equal(upstream, found.Name);
    }

    [Fact]
    public void Build_Defaults_OnlyDockerHasDockerHubRules()
    {
        var table = Tables.Build();

        Assert.Equal(["docker"], table.All.Where(u => u.DockerHub).Select(u => u.Name));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("/relative/path")]
    [InlineData("ftp://registry.example.com")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://registry.example.com/?x=1")]
    [InlineData("https://user:secret@registry.example.com")]
    [InlineData("https://user@registry.example.com")]
    public void Build_BadUrl_ReportsError(string url)
    {
        var errors = ErrorsFor("mine", new UpstreamOptions { Url = url });

        var error = Assert.Single(errors);
        Assert.Contains("Upstreams:mine:Url", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UrlWithCredentials_ErrorDoesNotLeakPasswordElsewhere()
    {
        var (table, errors) = Build(new RegistryProxyOptions { Upstreams = { ["mine"] = new UpstreamOptions { Url = "https://u:p@r.example.com" } } });

        Assert.Single(errors);
        Assert.False(table.TryGetByName("mine", out _));
    }

    [Fact]
    public void Build_NewUpstreamWithoutUrl_ReportsError()
    {
        var errors = ErrorsFor("mine", new UpstreamOptions());

        Assert.Contains(errors, e => e.Contains("Upstreams:mine:Url is required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("alice", null)]
    [InlineData(null, "secret")]
    public void Build_UsernameWithoutPassword_ReportsError(string? username, string? password)
    {
        var errors = ErrorsFor("ghcr", new UpstreamOptions { Username = username, Password = password });

        var error = Assert.Single(errors);
        Assert.Contains("Username and Password", error, StringComparison.Ordinal);
        if (password is not null)
        {
            Assert.DoesNotContain(password, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Build_UsernameAndPassword_HasCredentials()
    {
        var (table, errors) = Build(new RegistryProxyOptions { Upstreams = { ["ghcr"] = new UpstreamOptions { Username = "alice", Password = "secret" } } });

        Assert.Empty(errors);
        Assert.True(table.TryGetByName("ghcr", out var ghcr));
        Assert.True(ghcr.HasCredentials);
        Assert.DoesNotContain("secret", ghcr.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DuplicateRegistryHost_ReportsError()
    {
        var errors = ErrorsFor("mirror", new UpstreamOptions { Url = "https://mirror.example.com", RegistryHosts = ["ghcr.io"] });

        var error = Assert.Single(errors);
        Assert.Contains("'ghcr.io' is already used by upstream 'ghcr'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DuplicateRegistryHostDifferentCase_ReportsError()
    {
        var errors = ErrorsFor("mirror", new UpstreamOptions { Url = "https://mirror.example.com", RegistryHosts = ["Docker.IO"] });

        Assert.Single(errors);
    }

    [Fact]
    public void Build_RegistryHostOfDisabledBuiltIn_CanBeReused()
    {
        var (table, errors) = Build(new RegistryProxyOptions
        {
            DefaultUpstream = "hub",
            Upstreams =
            {
                ["docker"] = new UpstreamOptions { Enabled = false },
                ["hub"] = new UpstreamOptions { Url = "https://hub-cache.corp", RegistryHosts = ["docker.io"], DockerHub = true },
            },
        });

        Assert.Empty(errors);
        Assert.True(table.TryGetByRegistryHost("docker.io", out var hub));
        Assert.Equal("hub", hub.Name);
    }

    [Theory]
    [InlineData("notahost")]
    [InlineData("library")]
    public void Build_RegistryHostWithoutDotOrColon_ReportsError(string host)
    {
        var errors = ErrorsFor("mine", new UpstreamOptions { Url = "https://r.example.com", RegistryHosts = [host] });

        Assert.Contains(errors, e => e.Contains($"'{host}' must look like a registry host", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_UnknownDefaultUpstream_ReportsError()
    {
        var (_, errors) = Build(new RegistryProxyOptions { DefaultUpstream = "nope" });

        var error = Assert.Single(errors);
        Assert.Contains("DefaultUpstream 'nope'", error, StringComparison.Ordinal);
        Assert.Contains("ghcr", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DisabledDefaultUpstream_ReportsError()
    {
        var (_, errors) = Build(new RegistryProxyOptions { Upstreams = { ["docker"] = new UpstreamOptions { Enabled = false } } });

        Assert.Contains(errors, e => e.Contains("DefaultUpstream 'docker'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not a domain")]
    [InlineData("exa_mple!.com")]
    [InlineData("10.0.0.1")]
    public void Build_BadDomain_ReportsError(string domain)
    {
        var (_, errors) = Build(new RegistryProxyOptions { Domain = domain });

        var error = Assert.Single(errors);
        Assert.Contains("Domain", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData(" .Example.COM ", "example.com")]
    [InlineData("", null)]
    [InlineData("  ", null)]
    public void Build_Domain_Normalized(string domain, string? expected)
    {
        var (table, errors) = Build(new RegistryProxyOptions { Domain = domain });

        Assert.Empty(errors);
        Assert.Equal(expected, table.Domain);
    }

    [Theory]
    [InlineData("my_registry")]
    [InlineData("has.dot")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("line\n")]
    public void Build_NameNotADnsLabel_ReportsError(string name)
    {
        var errors = ErrorsFor(name, new UpstreamOptions { Url = "https://r.example.com" });

        Assert.Contains(errors, e => e.Contains("must be a DNS label", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_EnabledFalse_RemovesBuiltIn()
    {
        var (table, errors) = Build(new RegistryProxyOptions { Upstreams = { ["quay"] = new UpstreamOptions { Enabled = false } } });

        Assert.Empty(errors);
        Assert.False(table.TryGetByName("quay", out _));
        Assert.False(table.TryGetByRegistryHost("quay.io", out _));
        Assert.DoesNotContain(table.All, u => u.Name == "quay");
    }

    [Fact]
    public void Build_OverrideDockerUrl_KeepsDockerIoAndHubRules()
    {
        var (table, errors) = Build(new RegistryProxyOptions { Upstreams = { ["docker"] = new UpstreamOptions { Url = "https://hub-mirror.corp:8443/prefix" } } });

        Assert.Empty(errors);
        Assert.True(table.TryGetByRegistryHost("docker.io", out var docker));
        Assert.Equal("docker", docker.Name);
        Assert.True(docker.DockerHub);
        Assert.Equal(new Uri("https://hub-mirror.corp:8443/prefix"), docker.BaseUri);
        Assert.Equal("library/nginx", docker.UpstreamRepository("nginx"));
        Assert.False(table.TryGetByRegistryHost("hub-mirror.corp:8443", out _));
    }

    [Fact]
    public void Build_ExtraRegistryHostsOnBuiltIn_MergedWithDefaults()
    {
        var (table, errors) = Build(new RegistryProxyOptions { Upstreams = { ["ghcr"] = new UpstreamOptions { RegistryHosts = ["ghcr.corp"] } } });

        Assert.Empty(errors);
        Assert.True(table.TryGetByRegistryHost("ghcr.corp", out var viaCorp));
        Assert.True(table.TryGetByRegistryHost("ghcr.io", out var viaIo));
        Assert.Same(viaCorp, viaIo);
    }

    [Fact]
    public void Build_CustomUpstream_DefaultsRegistryHostToUrlAuthority()
    {
        var (table, errors) = Build(new RegistryProxyOptions { Upstreams = { ["Harbor"] = new UpstreamOptions { Url = "https://harbor.corp:8443" } } });

        Assert.Empty(errors);
        Assert.True(table.TryGetByRegistryHost("harbor.corp:8443", out var harbor));
        Assert.Equal("harbor", harbor.Name);
        Assert.False(harbor.DockerHub);
        Assert.True(table.TryGetByName("HARBOR", out _));
    }

    [Fact]
    public void Build_DockerHubFlagOnCustomUpstream_AddsLibrary()
    {
        var table = Tables.Build(new RegistryProxyOptions { Upstreams = { ["hub2"] = new UpstreamOptions { Url = "https://hub2.corp", DockerHub = true } } });

        Assert.True(table.TryGetByName("hub2", out var hub2));
        Assert.Equal("library/alpine", hub2.UpstreamRepository("alpine"));
        Assert.Equal("team/alpine", hub2.UpstreamRepository("team/alpine"));
    }

    [Fact]
    public void MatchHost_ExtraHostAndSubdomain_Resolve()
    {
        var table = Tables.Build(new RegistryProxyOptions
        {
            Domain = "example.com",
            Upstreams = { ["quay"] = new UpstreamOptions { Hosts = ["quay.internal"] } },
        });

        Assert.Equal("quay", table.MatchHost("quay.internal").Upstream?.Name);
        Assert.Equal("ghcr", table.MatchHost("ghcr.example.com").Upstream?.Name);
        Assert.Equal("zzz", table.MatchHost("zzz.example.com").UnknownLabel);
        Assert.Equal(default, table.MatchHost("example.com"));
        Assert.Equal(default, table.MatchHost("other.org"));
        Assert.Equal(default, table.MatchHost("notexample.com"));
    }

    [Fact]
    public void Upstream_Resolve_KeepsBasePath()
    {
        var table = Tables.Build(new RegistryProxyOptions { Upstreams = { ["mine"] = new UpstreamOptions { Url = "https://r.example.com/mirror/" } } });
        Assert.True(table.TryGetByName("mine", out var mine));

        Assert.Equal("https://r.example.com/mirror/v2/a/manifests/1?x=y", mine.Resolve("/v2/a/manifests/1?x=y").ToString());
    }

    [Theory]
    [InlineData("hub.example.com:5000")]
    [InlineData("http://hub.example.com")]
    [InlineData("bad host")]
    public void Build_ExtraHostNotAHostName_ReportsError(string host)
    {
        var errors = ErrorsFor("ghcr", new UpstreamOptions { Hosts = [host] });

        Assert.Contains(errors, e => e.Contains(host, StringComparison.Ordinal) && e.Contains("Hosts", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SameExtraHostOnTwoUpstreams_ReportsError()
    {
        var (_, errors) = Build(new RegistryProxyOptions
        {
            Upstreams =
            {
                ["ghcr"] = new UpstreamOptions { Hosts = ["mirror.example.com"] },
                ["quay"] = new UpstreamOptions { Hosts = ["MIRROR.example.com"] },
            },
        });

        Assert.Contains(errors, e => e.Contains("already served", StringComparison.Ordinal));
    }
}
