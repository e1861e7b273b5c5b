using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Proxy;

/// <summary>
/// Plain upstream registries started as the proxy's <c>docker</c> upstream (and optionally <c>ghcr</c>), and
/// <c>edge serve</c> in front of them. Everything on 127.0.0.1 with fresh ports and directories.
/// </summary>
internal sealed class ProxyTestbed : IAsyncDisposable
{
    private readonly TempDirectory _sandbox;

    private ProxyTestbed(TempDirectory sandbox, DistributionRegistry docker, DistributionRegistry? ghcr, EdgeProcess edge)
    {
        _sandbox = sandbox;
        Docker = docker;
        Ghcr = ghcr;
        Edge = edge;
    }

    /// <summary>The <c>docker</c> upstream (docker.io).</summary>
    public DistributionRegistry Docker { get; }

    /// <summary>The <c>ghcr</c> upstream (ghcr.io), when requested.</summary>
    public DistributionRegistry? Ghcr { get; }

    /// <summary>The proxy.</summary>
    public EdgeProcess Edge { get; }

    /// <summary>The ghcr upstream, which the test asked for.</summary>
    public DistributionRegistry GhcrUpstream => Ghcr ?? throw new InvalidOperationException("This testbed has no ghcr upstream.");

    /// <summary>A directory of this testbed's own; the proxy's data directory is its only child (<c>data</c>).</summary>
    public string SandboxDirectory => _sandbox.Path;

    /// <summary>Cache bucket directory of the proxy.</summary>
    public string BucketDirectory => Path.Combine(Edge.DataDirectory, "buckets", "cache");

    /// <summary>Starts upstreams, then the proxy configured for them (plus <paramref name="settings"/>).</summary>
    public static async Task<ProxyTestbed> StartAsync(bool withGhcr = false, params (string Key, string Value)[] settings)
    {
        DistributionRegistry? docker = null;
        DistributionRegistry? ghcr = null;
        EdgeProcess? edge = null;
        var sandbox = new TempDirectory("edge-proxy-it-");
        try
        {
            docker = await DistributionRegistry.StartNewAsync();
            if (withGhcr)
            {
                ghcr = await DistributionRegistry.StartNewAsync();
            }

            edge = EdgeProcess.Create().WithDataDirectory(sandbox.CreateSubdirectory("data")).WithSetting("Registry:Upstreams:docker:Url", docker.Url);
            if (ghcr is not null)
            {
                edge.WithSetting("Registry:Upstreams:ghcr:Url", ghcr.Url);
            }

            foreach (var (key, value) in settings)
            {
                edge.WithSetting(key, value);
            }

            await edge.StartAsync();
            return new ProxyTestbed(sandbox, docker, ghcr, edge);
        }
        catch
        {
            if (edge is not null)
            {
                await edge.DisposeAsync();
            }

            if (ghcr is not null)
            {
                await ghcr.DisposeAsync();
            }

            if (docker is not null)
            {
                await docker.DisposeAsync();
            }

            sandbox.Dispose();
            throw;
        }
    }

    /// <summary>Path where the disk bucket keeps a committed blob.</summary>
    public string BlobFile(string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(BucketDirectory, "objects", "blobs", "sha256", hex[..2], hex + "~obj");
    }

    /// <summary>Proxy log, both upstream logs: for assertion messages.</summary>
    public string Describe() =>
        $"{Environment.NewLine}--- edge ---{Environment.NewLine}{Tail(Edge.Output)}{Environment.NewLine}--- docker upstream ---{Environment.NewLine}{Tail(Docker.Output)}"
        + (Ghcr is null ? "" : $"{Environment.NewLine}--- ghcr upstream ---{Environment.NewLine}{Tail(Ghcr.Output)}");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Edge.DisposeAsync();
        if (Ghcr is not null)
        {
            await Ghcr.DisposeAsync();
        }

        await Docker.DisposeAsync();
        _sandbox.Dispose();
    }

    private static string Tail(string text) => text.Length > 12_000 ? "…" + text[^12_000..] : text;
}
