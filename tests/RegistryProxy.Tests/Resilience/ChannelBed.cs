using System.Diagnostics.Metrics;
using Edge.RegistryProxy.Auth;
using Edge.RegistryProxy.Content;
using Edge.RegistryProxy.Resilience;
using Edge.RegistryProxy.Routing;
using Edge.Tests.Shared;

namespace Edge.RegistryProxy.Tests.Resilience;

/// <summary>
/// One upstream (<c>docker</c>) behind a <see cref="ScriptedHandler"/>, its channel and the proxy's upstream client,
/// all on a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>: tests advance the clock instead of sleeping.
/// </summary>
internal sealed class ChannelBed : IDisposable
{
    private readonly HttpMessageInvoker? _ownInvoker;

    /// <param name="configure">Resilience settings of the test.</param>
    /// <param name="randomizer">The jitter's random source.</param>
    /// <param name="upstream">The upstream; default <c>docker</c> at http://registry.test:5000.</param>
    /// <param name="invoker">The upstream's invoker (the test owns it); default one over <see cref="Handler"/>.</param>
    public ChannelBed(Action<ResilienceOptions>? configure = null, Func<double>? randomizer = null, Upstream? upstream = null, HttpMessageInvoker? invoker = null)
    {
        Options = new RegistryProxyOptions { UpstreamTimeout = TimeSpan.FromSeconds(60) };
        configure?.Invoke(Options.Resilience);
        var errors = new List<string>();
        Options.Resilience.Validate(Options.UpstreamTimeout, errors);
        Assert.Empty(errors);
        Upstream = upstream ?? new Upstream("docker", new Uri("http://registry.test:5000"), [], [], true, null, null);
        Meter = new Meter("Edge.RegistryProxy.Tests." + Guid.NewGuid().ToString("N"));
        Metrics = new ResilienceMetrics(Meter);
        _ownInvoker = invoker is null ? new HttpMessageInvoker(Handler) : null;
        Channel = new UpstreamChannel(Upstream, invoker ?? _ownInvoker!, Options.UpstreamTimeout, Options.Resilience, Time, Metrics, Log, randomizer);
        Channels = new UpstreamChannels([Channel]);
        Metrics.ObserveCircuits(Channels.All);
        Tokens = new TokenFetcher(Channels);
        Client = new UpstreamClient(Channels, new RealmCache(), new ProxyTokenSource(Tokens, Time), Options, Log);
    }

    public WatchedFakeTime Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public ScriptedHandler Handler { get; } = new();

    public ListLogger Log { get; } = new();

    public RegistryProxyOptions Options { get; }

    public Upstream Upstream { get; }

    public Meter Meter { get; }

    public ResilienceMetrics Metrics { get; }

    public UpstreamChannel Channel { get; }

    public UpstreamChannels Channels { get; }

    public TokenFetcher Tokens { get; }

    public UpstreamClient Client { get; }

    public TimeSpan BreakDuration => Options.Resilience.BreakDuration;

    /// <summary>A manifest GET, as a client's pull would send it.</summary>
    public Task<UpstreamResult> GetManifestAsync(string tag = "1", CancellationToken cancellationToken = default) =>
        Client.SendAsync(new UpstreamRequest(Upstream, HttpMethod.Get, $"/v2/library/app/manifests/{tag}", "library/app", null), cancellationToken);

    public bool Logged(int eventId, string contains) =>
        Log.Entries.Any(e => e.EventId == eventId && e.Message.Contains(contains, StringComparison.Ordinal));

    public void Dispose()
    {
        _ownInvoker?.Dispose();
        Meter.Dispose();
    }
}
