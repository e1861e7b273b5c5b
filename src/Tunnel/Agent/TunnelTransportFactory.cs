using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Agent;

/// <summary>
/// Kestrel transport for <see cref="TunnelEndPoint"/>s. A selector, so Kestrel keeps using its socket transport for
/// every other endpoint.
/// </summary>
public sealed class TunnelTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;

    /// <summary>Created by DI (<see cref="TunnelKestrelExtensions.AddTunnelAgent"/>).</summary>
    public TunnelTransportFactory(ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _loggerFactory = loggerFactory;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => endpoint is TunnelEndPoint;

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not TunnelEndPoint tunnel)
        {
            throw new NotSupportedException($"{endpoint.GetType().Name} is not a tunnel endpoint");
        }

        var logger = _loggerFactory.CreateLogger("Edge.Tunnel.Agent");
        return new ValueTask<IConnectionListener>(new TunnelConnectionListener(tunnel, _time, logger));
    }
}
