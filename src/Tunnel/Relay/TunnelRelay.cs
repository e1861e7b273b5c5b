using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Edge.Tunnel.Relay;

/// <summary>
/// The relay: accepts agent connections (<see cref="AcceptAgentAsync"/>) and forwards public requests to them
/// (<see cref="ForwardAsync"/>). Registered by <see cref="TunnelRelayExtensions.AddTunnelRelay"/>; mounted by
/// <see cref="TunnelRelayExtensions.UseTunnelRelay"/>.
/// </summary>
public sealed partial class TunnelRelay : IDisposable
{
    private readonly TunnelRelayOptions _options;
    private readonly TunnelCredentials _credentials;
    private readonly TunnelIngressTable _ingress;
    private readonly TunnelAccessTable _access;
    private readonly TunnelRegistry _registry = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TunnelRelayMetrics _metrics;
    private readonly CancellationToken _hostStopping;
    private readonly bool _hosted;
    private long _noRoute;
    private long _refusedUnattributed;
    private long _accessRefused;

    /// <summary>Validates the options (all errors at once) and builds the tables.</summary>
    /// <param name="options">The relay's options.</param>
    /// <param name="logger">Its logger.</param>
    /// <param name="lifetime">When given, agent connections are closed as the host stops.</param>
    /// <param name="meterFactory">Creates the <c>Edge.Tunnel.Relay</c> meter (see <see cref="MeterName"/>); without
    /// one the relay creates and owns the meter itself.</param>
    public TunnelRelay(IOptions<TunnelRelayOptions> options, ILogger<TunnelRelay> logger, IHostApplicationLifetime? lifetime = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(TunnelRelayOptions), typeof(TunnelRelayOptions), errors);
        }

        _credentials = new TunnelCredentials(_options.Tunnels);
        _ingress = new TunnelIngressTable(_options.Ingress);
        _access = new TunnelAccessTable(_options.Access);
        _logger = logger;

        // Configured tunnels are reported from the start (0 agents is what an alert watches for).
        foreach (var tunnel in _options.Tunnels)
        {
            _registry.Counters(tunnel.Id);
        }

        _metrics = new TunnelRelayMetrics(_registry, () => NoRouteRequests, () => Interlocked.Read(ref _refusedUnattributed), meterFactory);

        // Upgraded agent requests last as long as their tunnel connection: the drain releases them once the forwarded
        // requests are done, so the server's graceful shutdown waits for those and no longer (TunnelRelay.Shutdown.cs).
        if (lifetime is not null)
        {
            _hosted = true;
            _hostStopping = lifetime.ApplicationStopping;
            lifetime.ApplicationStopping.Register(BeginStopping);
            lifetime.ApplicationStopped.Register(CloseAllConnections);
        }
    }

    /// <summary>The name of the meter the relay's instruments are on.</summary>
    public const string MeterName = TunnelRelayMetrics.MeterName;

    internal TunnelRegistry Registry => _registry;

    internal Meter Meter => _metrics.Meter;

    /// <summary>Public requests that matched no (public) ingress rule.</summary>
    public long NoRouteRequests => Interlocked.Read(ref _noRoute);

    /// <summary>Requests refused (403) for a wrong access token or one that does not cover the host, whether or not
    /// the host has a rule.</summary>
    public long AccessRefusedRequests => Interlocked.Read(ref _accessRefused);

    /// <summary>A snapshot per configured tunnel (and any other that had agents or requests): agents, connections,
    /// requests, bytes.</summary>
    public IReadOnlyList<TunnelStatus> GetStatus() => _registry.Snapshot();

    /// <summary>Agent connections refused without naming a configured tunnel (no tunnel id, or an unknown one).</summary>
    public long UnattributedAgentRefusals => Interlocked.Read(ref _refusedUnattributed);

    /// <summary>Every live agent connection, ordered by tunnel, agent and connection id.</summary>
    public IReadOnlyList<TunnelConnectionInfo> GetConnections() =>
    [
        .. _registry.All()
            .Where(c => c.IsAlive)
            .Select(c => new TunnelConnectionInfo(c.TunnelId, c.AgentId, c.Id, c.InFlight))
            .OrderBy(c => c.TunnelId, StringComparer.Ordinal)
            .ThenBy(c => c.AgentId, StringComparer.Ordinal)
            .ThenBy(c => c.ConnectionId),
    ];

    /// <summary>Closes every agent connection now, whatever is in flight on them (they redial). See
    /// <see cref="Drain"/> for the graceful way.</summary>
    public void CloseAllConnections()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        foreach (var connection in _registry.All())
        {
            connection.Kill();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CloseAllConnections();
        foreach (var connection in _registry.All())
        {
            _registry.Remove(connection);
            connection.Dispose();
        }

        _stopping.Dispose();
        _metrics.Dispose();
    }
}
