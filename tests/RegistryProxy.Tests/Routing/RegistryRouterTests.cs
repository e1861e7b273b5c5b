using Edge.RegistryProxy.Errors;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Tests.Routing;

public class RegistryRouterTests
{
    private const string Bare = "mirror.local";
    private const string Sha256 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static readonly RegistryRouter DefaultRouter = Tables.Router();

    private static RegistryRoute Route(string path, string? ns = null, string host = Bare, RegistryRouter? router = null)
    {
        var result = (router ?? DefaultRouter).Resolve(host, path, ns);
        Assert.True(result.Error is null, $"expected a route for {path}, got {result.Error?.Code}: {result.Error?.Message}");
        Assert.NotNull(result.Route);
        return result.Route;
    }

    private static RegistryError Error(string path, string? ns = null, string host = Bare, RegistryRouter? router = null)
    {
        var result = (router ?? DefaultRouter).Resolve(host, path, ns);
        Assert.Null(result.Route);
        Assert.NotNull(result.Error);
        return result.Error;
    }

    // --- bare host: the default upstream (Docker Hub) ---

    [Fact]
    public void Resolve_BareHostSingleComponent_AddsLibraryPrefix()
    {
        var route = Route("/v2/nginx/manifests/1");

        Assert.Equal(RouteKind.Manifest, route.Kind);
        Assert.Equal("docker", route.Upstream.Name);
        Assert.Equal("library/nginx", route.Repository);
        Assert.Equal("nginx", route.ClientName);
        Assert.Equal("1", route.Reference);
        Assert.False(route.ByDigest);
    }

    [Fact]
    public void Resolve_BareHostLibraryName_KeepsNameUnchanged()
    {
        var route = Route("/v2/library/nginx/manifests/latest");

        Assert.Equal("docker", route.Upstream.Name);
        Assert.Equal("library/nginx", route.Repository);
        Assert.Equal("library/nginx", route.ClientName);
    }

    [Fact]
    public void Resolve_BareHostTwoComponents_KeepsNamespace()
    {
        var route = Route("/v2/bitnami/redis/manifests/7.2");

        Assert.Equal("docker", route.Upstream.Name);
        Assert.Equal("bitnami/redis", route.Repository);
    }

    [Theory]
    [InlineData("/v2")]
    [InlineData("/v2/")]
    public void Resolve_BasePath_IsBaseRouteOfDefault(string path)
    {
        var route = Route(path);

        Assert.Equal(RouteKind.Base, route.Kind);
        Assert.Equal("docker", route.Upstream.Name);
    }

    [Fact]
    public void Resolve_BasePathOnSubdomain_IsBaseRouteOfThatUpstream()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var route = Route("/v2/", host: "quay.example.com", router: router);

        Assert.Equal(RouteKind.Base, route.Kind);
        Assert.Equal("quay", route.Upstream.Name);
    }

    [Fact]
    public void Resolve_TagList_IsTagListRoute()
    {
        var route = Route("/v2/nginx/tags/list");

        Assert.Equal(RouteKind.TagList, route.Kind);
        Assert.Equal("library/nginx", route.Repository);
        Assert.Null(route.Reference);
    }

    [Fact]
    public void Resolve_BlobByDigest_CarriesParsedDigest()
    {
        var route = Route("/v2/library/nginx/blobs/" + Sha256);

        Assert.Equal(RouteKind.Blob, route.Kind);
        Assert.True(route.ByDigest);
        Assert.Equal(Sha256, route.Digest!.ToString());
        Assert.Equal(Sha256, route.Reference);
    }

    [Fact]
    public void Resolve_ManifestByDigest_CarriesParsedDigest()
    {
        var route = Route("/v2/nginx/manifests/" + Sha256);

        Assert.Equal(RouteKind.Manifest, route.Kind);
        Assert.True(route.ByDigest);
        Assert.Equal("sha256", route.Digest!.Algorithm);
    }

    // --- containerd's ?ns= ---

    [Theory]
    [InlineData("docker.io", "docker", "library/nginx")]
    [InlineData("ghcr.io", "ghcr", "nginx")]
    [InlineData("registry.k8s.io", "k8s", "nginx")]
    [InlineData("quay.io", "quay", "nginx")]
    public void Resolve_NsParameter_SelectsRegistry(string ns, string upstream, string repository)
    {
        var route = Route("/v2/nginx/manifests/1", ns);

        Assert.Equal(upstream, route.Upstream.Name);
        Assert.Equal(repository, route.Repository);
    }

    [Fact]
    public void Resolve_NsGhcrMultiComponent_KeepsOwnerAndName()
    {
        var route = Route("/v2/owner/app/manifests/1", "ghcr.io");

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("owner/app", route.Repository);
        Assert.Equal("owner/app", route.ClientName);
    }

    [Fact]
    public void Resolve_NsK8sPauseImage_DoesNotAddLibrary()
    {
        var route = Route("/v2/pause/manifests/3.9", "registry.k8s.io");

        Assert.Equal("k8s", route.Upstream.Name);
        Assert.Equal("pause", route.Repository);
    }

    [Fact]
    public void Resolve_NsIsCaseInsensitive_SelectsRegistry()
    {
        Assert.Equal("ghcr", Route("/v2/owner/app/manifests/1", "GHCR.IO").Upstream.Name);
    }

    [Fact]
    public void Resolve_NsWinsOverSubdomain_SelectsNsRegistry()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var route = Route("/v2/owner/app/manifests/1", "ghcr.io", host: "quay.example.com", router: router);

        Assert.Equal("ghcr", route.Upstream.Name);
    }

    [Fact]
    public void Resolve_UnknownNs_NameUnknownListingAddressing()
    {
        var error = Error("/v2/nginx/manifests/1", "registry.example.org");

        Assert.Equal(RegistryErrorCode.NameUnknown, error.Code);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("registry.example.org", error.Message, StringComparison.Ordinal);
        Assert.Contains("ghcr (ghcr.io)", error.Message, StringComparison.Ordinal);
        Assert.Contains("docker (docker.io)", error.Message, StringComparison.Ordinal);
        Assert.Contains("?ns=", error.Message, StringComparison.Ordinal);
        Assert.Contains("first path component", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownNsWithDomain_MessageMentionsSubdomains()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var error = Error("/v2/nginx/manifests/1", "nope.io", router: router);

        Assert.Contains("NAME.example.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EmptyNs_TreatedAsAbsent()
    {
        Assert.Equal("library/nginx", Route("/v2/nginx/manifests/1", "").Repository);
    }

    // --- registry host as first path component ---

    [Fact]
    public void Resolve_PathPrefixGhcr_SelectsGhcrAndStripsPrefix()
    {
        var route = Route("/v2/ghcr.io/owner/app/manifests/1");

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("owner/app", route.Repository);
        Assert.Equal("ghcr.io/owner/app", route.ClientName);
    }

    [Fact]
    public void Resolve_PathPrefixDockerIoSingleComponent_AddsLibrary()
    {
        var route = Route("/v2/docker.io/nginx/manifests/1");

        Assert.Equal("docker", route.Upstream.Name);
        Assert.Equal("library/nginx", route.Repository);
        Assert.Equal("docker.io/nginx", route.ClientName);
    }

    [Theory]
    [InlineData("index.docker.io")]
    [InlineData("registry-1.docker.io")]
    public void Resolve_PathPrefixDockerAliases_SelectDocker(string alias)
    {
        var route = Route($"/v2/{alias}/library/alpine/manifests/3");

        Assert.Equal("docker", route.Upstream.Name);
        Assert.Equal("library/alpine", route.Repository);
    }

    [Fact]
    public void Resolve_PathPrefixTagList_StripsPrefix()
    {
        var route = Route("/v2/quay.io/prometheus/node-exporter/tags/list");

        Assert.Equal(RouteKind.TagList, route.Kind);
        Assert.Equal("quay", route.Upstream.Name);
        Assert.Equal("prometheus/node-exporter", route.Repository);
    }

    [Theory]
    [InlineData("/v2/unknown.example.org/owner/app/manifests/1", "unknown.example.org")]
    [InlineData("/v2/localhost/app/manifests/1", "localhost")]
    [InlineData("/v2/myhost:5000/app/manifests/1", "myhost:5000")]
    [InlineData("/v2/[::1]:5000/app/manifests/1", "[::1]:5000")]
    [InlineData("/v2/Registry.Example.org/app/manifests/1", "Registry.Example.org")]
    public void Resolve_UnknownRegistryHostPrefixOnBareHost_NameUnknown(string path, string registry)
    {
        var error = Error(path);

        Assert.Equal(RegistryErrorCode.NameUnknown, error.Code);
        Assert.Contains(registry, error.Message, StringComparison.Ordinal);
        Assert.Contains("ghcr.io", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownDottedPrefixWithNs_IsPartOfRepository()
    {
        // With ?ns= the registry is already chosen; a dotted first component is the repository's own.
        var route = Route("/v2/some.org/app/manifests/1", "ghcr.io");

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("some.org/app", route.Repository);
    }

    [Fact]
    public void Resolve_CustomUpstreamWithPort_ReachableByPathPrefix()
    {
        var router = Tables.Router(new RegistryProxyOptions
        {
            Upstreams = { ["local"] = new UpstreamOptions { Url = "http://registry.lan:5000" } },
        });

        var route = Route("/v2/registry.lan:5000/team/app/manifests/1", router: router);

        Assert.Equal("local", route.Upstream.Name);
        Assert.Equal("team/app", route.Repository);
        Assert.Equal("registry.lan:5000/team/app", route.ClientName);
    }

    // --- Host header: subdomains and extra hosts ---

    [Theory]
    [InlineData("ghcr.example.com")]
    [InlineData("ghcr.example.com:5000")]
    [InlineData("GHCR.Example.COM")]
    public void Resolve_Subdomain_SelectsNamedUpstream(string host)
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var route = Route("/v2/owner/app/manifests/1", host: host, router: router);

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("owner/app", route.Repository);
        Assert.Equal("owner/app", route.ClientName);
    }

    [Fact]
    public void Resolve_DockerSubdomainSingleComponent_AddsLibrary()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var route = Route("/v2/nginx/manifests/1", host: "docker.example.com", router: router);

        Assert.Equal("docker", route.Upstream.Name);
        Assert.Equal("library/nginx", route.Repository);
        Assert.Equal("nginx", route.ClientName);
    }

    [Fact]
    public void Resolve_DomainItself_IsBareHost()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var route = Route("/v2/nginx/manifests/1", host: "example.com:443", router: router);

        Assert.Equal("docker", route.Upstream.Name);
    }

    [Theory]
    [InlineData("nope.example.com", "nope")]
    [InlineData("a.b.example.com:5000", "a.b")]
    public void Resolve_UnknownSubdomain_NameUnknown(string host, string label)
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var error = Error("/v2/nginx/manifests/1", host: host, router: router);

        Assert.Equal(RegistryErrorCode.NameUnknown, error.Code);
        Assert.Contains($"'{label}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SubdomainWithoutDomainConfigured_IsBareHost()
    {
        var route = Route("/v2/nginx/manifests/1", host: "ghcr.example.com");

        Assert.Equal("docker", route.Upstream.Name);
    }

    [Theory]
    [InlineData("ghcr-mirror.corp")]
    [InlineData("ghcr-mirror.corp:8443")]
    [InlineData("GHCR-MIRROR.corp")]
    public void Resolve_ExtraHost_SelectsUpstream(string host)
    {
        var router = Tables.Router(new RegistryProxyOptions
        {
            Upstreams = { ["ghcr"] = new UpstreamOptions { Hosts = ["ghcr-mirror.corp"] } },
        });

        var route = Route("/v2/owner/app/manifests/1", host: host, router: router);

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("owner/app", route.Repository);
    }

    [Fact]
    public void Resolve_SubdomainPlusPathPrefix_PathPrefixSelects()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });

        var route = Route("/v2/ghcr.io/owner/app/manifests/1", host: "docker.example.com", router: router);

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("owner/app", route.Repository);
    }

    [Fact]
    public void Resolve_IPv6Host_IsBareHost()
    {
        Assert.Equal("docker", Route("/v2/nginx/manifests/1", host: "[::1]:5000").Upstream.Name);
        Assert.Equal("docker", Route("/v2/nginx/manifests/1", host: "[::1]").Upstream.Name);
    }

    [Fact]
    public void Resolve_OtherDefaultUpstream_BareHostServesIt()
    {
        var router = Tables.Router(new RegistryProxyOptions { DefaultUpstream = "quay" });

        var route = Route("/v2/nginx/manifests/1", router: router);

        Assert.Equal("quay", route.Upstream.Name);
        Assert.Equal("nginx", route.Repository);
    }

    // --- repository names ---

    [Theory]
    [InlineData("/v2/Nginx/manifests/1")]
    [InlineData("/v2/library/NGINX/manifests/1")]
    [InlineData("/v2/a//b/manifests/1")]
    [InlineData("/v2//a/manifests/1")]
    [InlineData("/v2/a/b//manifests/1")]
    [InlineData("/v2/-a/manifests/1")]
    [InlineData("/v2/a-/manifests/1")]
    [InlineData("/v2/a___b/manifests/1")]
    [InlineData("/v2/a..b/manifests/1")]
    [InlineData("/v2/a b/manifests/1")]
    [InlineData("/v2/a%2Fb/manifests/1")]
    [InlineData("/v2/a\\b/manifests/1")]
    [InlineData("/v2/a../manifests/1")]
    [InlineData("/v2/a_-b/manifests/1")]
    public void Resolve_InvalidName_NameInvalid(string path)
    {
        var error = Error(path);

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
        Assert.Equal(400, error.StatusCode);
        Assert.Contains("Invalid repository name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("a_b")]
    [InlineData("a__b")]
    [InlineData("a---b")]
    [InlineData("a0/b-1/c.2/d__3")]
    public void Resolve_ValidNameSeparators_Route(string name)
    {
        Assert.Equal(name, Route($"/v2/someone/{name}/manifests/1").Repository[("someone/".Length)..]);
    }

    [Fact]
    public void Resolve_NameOf255Characters_Routes()
    {
        var name = "ns/" + new string('a', 252);

        Assert.Equal(name, Route($"/v2/{name}/manifests/1").Repository);
    }

    [Fact]
    public void Resolve_NameOver255Characters_NameInvalid()
    {
        var error = Error($"/v2/ns/{new string('a', 253)}/manifests/1");

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
    }

    [Fact]
    public void Resolve_LibraryPrefixPushesOver255_NameInvalid()
    {
        // 250 characters from the client become 258 with library/ added.
        var error = Error($"/v2/{new string('a', 250)}/manifests/1");

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
        Assert.Contains("255", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("manifests")]
    [InlineData("blobs")]
    [InlineData("tags")]
    public void Resolve_RepositoryComponentNamedLikeMarker_ParsesManifest(string component)
    {
        var route = Route($"/v2/org/{component}/app/manifests/v1");

        Assert.Equal(RouteKind.Manifest, route.Kind);
        Assert.Equal($"org/{component}/app", route.Repository);
        Assert.Equal("v1", route.Reference);
    }

    [Fact]
    public void Resolve_RepositoryEndingInManifests_ParsesBlob()
    {
        var route = Route($"/v2/org/manifests/blobs/{Sha256}");

        Assert.Equal(RouteKind.Blob, route.Kind);
        Assert.Equal("org/manifests", route.Repository);
    }

    [Fact]
    public void Resolve_RepositoryEndingInBlobs_ParsesManifest()
    {
        var route = Route("/v2/org/blobs/manifests/latest");

        Assert.Equal(RouteKind.Manifest, route.Kind);
        Assert.Equal("org/blobs", route.Repository);
    }

    [Fact]
    public void Resolve_RepositoryEndingInManifestsTagList_ParsesTagList()
    {
        var route = Route("/v2/org/manifests/tags/list");

        Assert.Equal(RouteKind.TagList, route.Kind);
        Assert.Equal("org/manifests", route.Repository);
    }

    [Theory]
    [InlineData("uploads")]
    [InlineData("uploadsfoo")]
    public void Resolve_RepositoryWithBlobsUploadsComponents_ParsesManifest(string component)
    {
        var route = Route($"/v2/org/blobs/{component}/manifests/latest");

        Assert.Equal(RouteKind.Manifest, route.Kind);
        Assert.Equal($"org/blobs/{component}", route.Repository);
        Assert.Equal("latest", route.Reference);
    }

    // --- digests and tags ---

    [Theory]
    [InlineData("sha256:zz")]
    [InlineData("sha256:0123456789abcdef")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")]
    [InlineData("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:")]
    [InlineData(":abc")]
    [InlineData("latest")]
    public void Resolve_InvalidBlobDigest_DigestInvalid(string digest)
    {
        var error = Error("/v2/library/nginx/blobs/" + digest);

        Assert.Equal(RegistryErrorCode.DigestInvalid, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Theory]
    [InlineData("sha256:zz")]
    [InlineData("sha256:0123456789abcdef")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n")]
    public void Resolve_InvalidManifestDigest_DigestInvalid(string digest)
    {
        var error = Error("/v2/library/nginx/manifests/" + digest);

        Assert.Equal(RegistryErrorCode.DigestInvalid, error.Code);
    }

    [Fact]
    public void Resolve_Sha512Digest_Routes()
    {
        var digest = "sha512:" + new string('a', 128);

        var route = Route("/v2/library/nginx/blobs/" + digest);

        Assert.Equal("sha512", route.Digest!.Algorithm);
        Assert.Equal(new string('a', 128), route.Digest.Hex);
    }

    [Theory]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("a+b")]
    [InlineData("..")]
    [InlineData("tag\n")]
    public void Resolve_InvalidTag_TagInvalid(string tag)
    {
        var error = Error("/v2/library/nginx/manifests/" + tag);

        Assert.Equal(RegistryErrorCode.TagInvalid, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Resolve_TagOf129Characters_TagInvalid()
    {
        Assert.Equal(RegistryErrorCode.TagInvalid, Error("/v2/nginx/manifests/" + new string('a', 129)).Code);
    }

    [Theory]
    [InlineData("_underscore")]
    [InlineData("1.25.3-alpine")]
    [InlineData("UPPER_case.Tag-1")]
    public void Resolve_ValidTag_Routes(string tag)
    {
        Assert.Equal(tag, Route("/v2/nginx/manifests/" + tag).Reference);
    }

    [Fact]
    public void Resolve_TagOf128Characters_Routes()
    {
        var tag = new string('a', 128);

        Assert.Equal(tag, Route("/v2/nginx/manifests/" + tag).Reference);
    }

    // --- unsupported and unknown paths ---

    [Theory]
    [InlineData("/v2/a/blobs/uploads/")]
    [InlineData("/v2/a/blobs/uploads")]
    [InlineData("/v2/library/nginx/blobs/uploads/5f1c0e2a-uuid")]
    public void Resolve_BlobUpload_Unsupported(string path)
    {
        var error = Error(path);

        Assert.Equal(RegistryErrorCode.Unsupported, error.Code);
        Assert.Equal(405, error.StatusCode);
    }

    [Theory]
    [InlineData("/v2/_catalog")]
    public void Resolve_Catalog_Unsupported(string path)
    {
        Assert.Equal(RegistryErrorCode.Unsupported, Error(path).Code);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/v2x/nginx/manifests/1")]
    [InlineData("/v1/_ping")]
    [InlineData("")]
    public void Resolve_NonV2Path_NotFound(string path)
    {
        var error = Error(path);

        Assert.Equal(RegistryErrorCode.NotFound, error.Code);
        Assert.Equal(404, error.StatusCode);
    }

    [Theory]
    [InlineData("/v2/nginx")]
    [InlineData("/v2/nginx/manifests/")]
    [InlineData("/v2/nginx/blobs/")]
    [InlineData("/v2/nginx/tags")]
    [InlineData("/v2/tags/list")]
    [InlineData("/v2/nginx/referrers/sha256:abc")]
    [InlineData("/v2/library/nginx/manifests/1/")]
    public void Resolve_UnservedV2Path_NotFound(string path)
    {
        Assert.Equal(RegistryErrorCode.NotFound, Error(path).Code);
    }

    // --- the proxy's token endpoint ---

    [Theory]
    [InlineData("/_edge/token/docker", "docker")]
    [InlineData("/_edge/token/ghcr", "ghcr")]
    [InlineData("/_edge/token/GHCR", "ghcr")]
    public void Resolve_TokenPath_TokenRoute(string path, string upstream)
    {
        var route = Route(path);

        Assert.Equal(RouteKind.Token, route.Kind);
        Assert.Equal(upstream, route.Upstream.Name);
    }

    [Theory]
    [InlineData("/_edge/token/nope")]
    [InlineData("/_edge/token/")]
    [InlineData("/_edge/token/docker/extra")]
    public void Resolve_TokenPathUnknownName_NotFound(string path)
    {
        Assert.Equal(RegistryErrorCode.NotFound, Error(path).Code);
    }

    [Fact]
    public void Resolve_TokenPathOfDisabledUpstream_NotFound()
    {
        var router = Tables.Router(new RegistryProxyOptions { Upstreams = { ["quay"] = new UpstreamOptions { Enabled = false } } });

        Assert.Equal(RegistryErrorCode.NotFound, Error("/_edge/token/quay", router: router).Code);
    }

    // --- path traversal never becomes a route ---

    [Theory]
    [InlineData("/v2/../../etc/passwd/manifests/x")]
    [InlineData("/v2/library/../../../etc/passwd/manifests/x")]
    [InlineData("/v2/./nginx/manifests/1")]
    [InlineData("/v2/..%2F..%2Fetc%2Fpasswd/manifests/x")]
    [InlineData("/v2/%2e%2e/%2e%2e/etc/manifests/x")]
    [InlineData("/v2/nginx/manifests/..")]
    [InlineData("/v2/nginx/manifests/..%2F..%2Fetc")]
    [InlineData("/v2/nginx/blobs/sha256:..%2F..%2Fetc")]
    [InlineData("/v2/nginx/blobs/..")]
    [InlineData("/v2/nginx\u0000/manifests/1")]
    [InlineData("/v2/nginx\n/manifests/latest")]
    [InlineData("/v2/library/nginx\n/blobs/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("/v2/c:\\windows/manifests/1")]
    public void Resolve_PathTraversal_ClientErrorNoRoute(string path)
    {
        var error = Error(path);

        Assert.InRange(error.StatusCode, 400, 499);
    }

    [Theory]
    [InlineData("/v2/../../etc/passwd/manifests/x")]
    [InlineData("/v2/../x/blobs/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("/v2/a..b/c/manifests/1")]
    [InlineData("/v2/.hidden/c/manifests/1")]
    [InlineData("/v2/c:\\windows/x/manifests/1")]
    [InlineData("/v2/host:port/x/manifests/1")]
    public void Resolve_DotOrColonComponentThatIsNoHost_NameInvalid(string path)
    {
        var error = Error(path);

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Resolve_ControlCharactersInInput_NotEchoedInMessages()
    {
        var router = Tables.Router(new RegistryProxyOptions { Domain = "example.com" });
        var errors = new[]
        {
            Error("/v2/nginx\u001b[31m/manifests/1"),
            Error("/v3/\u001b[31m\r\nInjected: yes"),
            Error("/v2/evil.io\u001b[31m/app/manifests/1"),
            Error("/v2/nginx/manifests/1", ns: "evil.io\r\nInjected: yes"),
            Error("/v2/nginx/manifests/1", host: "evil\u001b.example.com", router: router),
            Error("/v2/nginx\r\n/x"),
        };

        foreach (var error in errors)
        {
            Assert.DoesNotContain(error.Message, char.IsControl);
        }
    }

    [Fact]
    public void Resolve_HugePath_MessageIsBounded()
    {
        var error = Error("/v3/" + new string('x', 100_000));

        Assert.True(error.Message.Length < 2_000, $"message of {error.Message.Length} characters");
    }

    [Fact]
    public void Resolve_NsWithRegistryLikeFirstComponent_NsWinsAndNameIsKept()
    {
        var route = Route("/v2/docker.io/library/nginx/manifests/1", ns: "ghcr.io");

        Assert.Equal("ghcr", route.Upstream.Name);
        Assert.Equal("docker.io/library/nginx", route.Repository);
    }
}
