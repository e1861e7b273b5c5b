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
    private long _noRoute;
    private long _accessRefused;

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
        _access = new TunnelAccessTable(_options.Access);
        _logger = logger;

        // Upgraded agent requests last as long as their tunnel connection; release them as the host stops so the
        // server's graceful shutdown does not wait for them, and agents see the end and redial the next relay.
        lifetime?.ApplicationStopping.Register(CloseAllConnections);
    }

    internal TunnelRegistry Registry => _registry;

    /// <summary>Public requests that matched no (public) ingress rule.</summary>
    public long NoRouteRequests => Interlocked.Read(ref _noRoute);

    /// <summary>Requests refused (403) for a wrong access token or one that does not cover the host, whether or not
    /// the host has a rule.</summary>
    public long AccessRefusedRequests => Interlocked.Read(ref _accessRefused);

    /// <summary>A snapshot per tunnel that had agents or requests: agents, connections, requests, bytes.</summary>
    public IReadOnlyList<TunnelStatus> GetStatus() => _registry.Snapshot();

    /// <summary>Closes every agent connection (they redial).</summary>
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
