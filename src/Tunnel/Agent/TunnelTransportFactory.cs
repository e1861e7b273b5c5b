using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Agent;

/// <summary>
/// Kestrel transport for <see cref="TunnelEndPoint"/>s. A selector, so Kestrel keeps using its socket transport for
/// every other endpoint.
/// </summary>
public sealed class TunnelTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    /// <summary>The name of the meter the agent's instruments are on.</summary>
    public const string MeterName = TunnelAgentMetrics.MeterName;

    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly TunnelAgentMetrics _metrics;

    /// <summary>Created by DI (<see cref="TunnelKestrelExtensions.AddTunnelAgent"/>).</summary>
    /// <param name="loggerFactory">Loggers for the listeners.</param>
    /// <param name="time">The clock for backoff and connect durations; <see cref="TimeProvider.System"/> if null.</param>
    /// <param name="meterFactory">Creates the <c>Edge.Tunnel.Agent</c> meter; without one the factory creates and
    /// owns the meter itself.</param>
    public TunnelTransportFactory(ILoggerFactory loggerFactory, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        _loggerFactory = loggerFactory;
        _time = time ?? TimeProvider.System;
        _metrics = new TunnelAgentMetrics(meterFactory);
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
        _metrics.Track(tunnel);
        return new ValueTask<IConnectionListener>(new TunnelConnectionListener(tunnel, _time, logger, _metrics));
    }

    /// <inheritdoc />
    public void Dispose() => _metrics.Dispose();
}
