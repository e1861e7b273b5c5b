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
    private readonly TunnelRegistry _registry = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _hostStopping;
    private readonly bool _hosted;
    private long _noRoute;

    /// <summary>Validates the options (all errors at once) and builds the tables.</summary>
    public TunnelRelay(IOptions<TunnelRelayOptions> options, ILogger<TunnelRelay> logger, IHostApplicationLifetime? lifetime = null)
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
        _logger = logger;

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

    internal TunnelRegistry Registry => _registry;

    /// <summary>Public requests that matched no (public) ingress rule.</summary>
    public long NoRouteRequests => Interlocked.Read(ref _noRoute);

    /// <summary>A snapshot per tunnel that had agents or requests: agents, connections, requests, bytes.</summary>
    public IReadOnlyList<TunnelStatus> GetStatus() => _registry.Snapshot();

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
    }
}
