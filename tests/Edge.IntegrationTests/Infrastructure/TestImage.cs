using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Edge.IntegrationTests.Infrastructure;

/// <summary>
/// Builds a small, real, unpackable image (gzip tar layers of seeded random bytes) and pushes it over the registry v2 HTTP API
/// (monolithic uploads streamed from temp files). Builder style: <c>TestImage.Create("library/x", "1").WithLayer(1024, 1).PushAsync(...)</c>.
/// </summary>
public sealed class TestImage
{
    private readonly List<LayerSpec> _layers = [];
    private ManifestFormat _format = ManifestFormat.DockerSchema2;
    private bool _wrapInIndex;

    private TestImage(string repository, string tag)
    {
        Repository = repository;
        Tag = tag;
    }

    /// <summary>Repository name (e.g. library/alpine-test).</summary>
    public string Repository { get; }

    /// <summary>Tag.</summary>
    public string Tag { get; }

    /// <summary>Registry architecture name of this host (amd64 on x86_64, arm64 on aarch64).</summary>
    public static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>Starts describing an image.</summary>
    public static TestImage Create(string repository, string tag = "1")
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        ArgumentException.ThrowIfNullOrEmpty(tag);
        return new TestImage(repository, tag);
    }

    /// <summary>Adds a layer with one file of <paramref name="size"/> random bytes from <paramref name="seed"/>.</summary>
    public TestImage WithLayer(long size, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _layers.Add(new LayerSpec(size, seed));
        return this;
    }

    /// <summary>Pushes an OCI manifest (and OCI index when wrapped) instead of Docker schema 2.</summary>
    public TestImage AsOci()
    {
        _format = ManifestFormat.Oci;
        return this;
    }

    /// <summary>Selects the manifest format.</summary>
    public TestImage WithFormat(ManifestFormat format)
    {
        _format = format;
        return this;
    }

    /// <summary>Wraps the image manifest in a manifest list (Docker) or image index (OCI) for the host platform; the tag points at it.</summary>
    public TestImage InIndex()
    {
        _wrapInIndex = true;
        return this;
    }

    /// <summary>Pushes anonymously, or with the TokenServer's push-user token when <paramref name="tokens"/> is given.</summary>
    public Task<PushedImage> PushAsync(DistributionRegistry registry, TokenServer? tokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return PushAsync(registry.Url, tokens?.CreatePushToken(Repository), cancellationToken);
    }

    /// <summary>Pushes to <paramref name="registryUrl"/> (http://host:port), with an optional bearer token.</summary>
    public async Task<PushedImage> PushAsync(string registryUrl, string? bearerToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registryUrl);
        var layerSpecs = _layers.Count > 0 ? _layers.ToList() : [new LayerSpec(1024, StableSeed(Repository + ":" + Tag))];
        using var work = new TempDirectory("edge-image-");
        using var http = new HttpClient { BaseAddress = new Uri(registryUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(10) };
        if (bearerToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        var oci = _format == ManifestFormat.Oci;
        var layers = new List<PushedLayer>();
        var layerDescriptors = new JsonArray();
        for (var i = 0; i < layerSpecs.Count; i++)
        {
            var path = work.Combine($"layer-{i.ToString(CultureInfo.InvariantCulture)}.tar.gz");
            var (digest, size, diffId) = await LayerArchive.CreateAsync(layerSpecs[i], work.Path, path);
            await UploadBlobFromFileAsync(http, digest, path, cancellationToken);
            File.Delete(path);
            layers.Add(new PushedLayer(digest, size, diffId, layerSpecs[i].Size));
            layerDescriptors.Add(Descriptor(oci ? MediaTypes.OciLayerGzip : MediaTypes.DockerLayerGzip, digest, size));
        }

        var configBytes = Encoding.UTF8.GetBytes(BuildConfig(layers).ToJsonString());
        var configDigest = LayerArchive.DigestOf(configBytes);
        await UploadBlobAsync(http, configDigest, configBytes, cancellationToken);

        var manifestType = oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest;
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestType,
            ["config"] = Descriptor(oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, configDigest, configBytes.Length),
            ["layers"] = layerDescriptors,
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var manifestDigest = LayerArchive.DigestOf(manifestBytes);
        var topType = manifestType;
        var topBytes = manifestBytes;
        var topDigest = manifestDigest;
        if (_wrapInIndex)
        {
            await PutManifestAsync(http, manifestDigest, manifestType, manifestBytes, cancellationToken);
            topType = oci ? MediaTypes.OciIndex : MediaTypes.DockerManifestList;
            var entry = Descriptor(manifestType, manifestDigest, manifestBytes.Length);
            entry["platform"] = new JsonObject { ["architecture"] = HostArchitecture, ["os"] = "linux" };
            var index = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = topType,
                ["manifests"] = new JsonArray(entry),
            };
            topBytes = Encoding.UTF8.GetBytes(index.ToJsonString());
            topDigest = LayerArchive.DigestOf(topBytes);
        }

        await PutManifestAsync(http, Tag, topType, topBytes, cancellationToken);
        return new PushedImage(
            Repository,
            Tag,
            topDigest,
            topType,
            Encoding.UTF8.GetString(topBytes),
            manifestDigest,
            manifestType,
            Encoding.UTF8.GetString(manifestBytes),
            configDigest,
            configBytes.Length,
            layers);
    }

    private static JsonObject BuildConfig(List<PushedLayer> layers)
    {
        var diffIds = new JsonArray();
        var history = new JsonArray();
        foreach (var layer in layers)
        {
            diffIds.Add(layer.DiffId);
            history.Add(new JsonObject { ["created"] = "2024-01-01T00:00:00Z", ["created_by"] = "edge integration test layer" });
        }

        return new JsonObject
        {
            ["architecture"] = HostArchitecture,
            ["os"] = "linux",
            ["created"] = "2024-01-01T00:00:00Z",
            ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
            ["history"] = history,
        };
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size) => new()
    {
        ["mediaType"] = mediaType,
        ["size"] = size,
        ["digest"] = digest,
    };

    private async Task UploadBlobFromFileAsync(HttpClient http, string digest, string path, CancellationToken cancellationToken)
    {
        if (await BlobExistsAsync(http, digest, cancellationToken))
        {
            return;
        }

        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = file.Length;
        await PutBlobAsync(http, digest, content, cancellationToken);
    }

    private async Task UploadBlobAsync(HttpClient http, string digest, byte[] bytes, CancellationToken cancellationToken)
    {
        if (await BlobExistsAsync(http, digest, cancellationToken))
        {
            return;
        }

        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await PutBlobAsync(http, digest, content, cancellationToken);
    }

    private async Task<bool> BlobExistsAsync(HttpClient http, string digest, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"v2/{Repository}/blobs/{digest}");
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task PutBlobAsync(HttpClient http, string digest, HttpContent content, CancellationToken cancellationToken)
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, $"v2/{Repository}/blobs/uploads/");
        using var started = await http.SendAsync(start, cancellationToken);
        await EnsureStatusAsync(started, HttpStatusCode.Accepted, "start blob upload", cancellationToken);
        var location = started.Headers.Location ?? throw new InvalidOperationException("Blob upload response had no Location header.");
        var uploadUri = location.IsAbsoluteUri ? location : new Uri(http.BaseAddress!, location);
        var separator = uploadUri.Query.Length > 0 ? "&" : "?";
        var target = new Uri(uploadUri + separator + "digest=" + Uri.EscapeDataString(digest));
        using var put = new HttpRequestMessage(HttpMethod.Put, target) { Content = content };
        using var finished = await http.SendAsync(put, cancellationToken);
        await EnsureStatusAsync(finished, HttpStatusCode.Created, $"upload blob {digest}", cancellationToken);
    }

    private async Task PutManifestAsync(HttpClient http, string reference, string mediaType, byte[] bytes, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var put = new HttpRequestMessage(HttpMethod.Put, $"v2/{Repository}/manifests/{reference}") { Content = content };
        using var response = await http.SendAsync(put, cancellationToken);
        await EnsureStatusAsync(response, HttpStatusCode.Created, $"put manifest {Repository}:{reference}", cancellationToken);
    }

    private static async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken cancellationToken)
    {
        if (response.StatusCode == expected)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new InvalidOperationException(
            $"Registry refused to {what}: {(int)response.StatusCode} {response.StatusCode} (expected {(int)expected}). {response.Headers} {body}");
    }

    private static int StableSeed(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
