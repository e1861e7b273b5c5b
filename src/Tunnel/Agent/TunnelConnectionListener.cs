using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Agent;

/// <summary>
/// Keeps <see cref="TunnelAgentOptions.ConnectionCount"/> connections to the relay and hands each to Kestrel.
/// </summary>
/// <remarks>
/// Each pool slot runs its own loop:
/// 1. dial (TCP, TLS, upgrade); on 401/403 mark the status Unauthorized and stop every slot;
/// 2. on failure wait the backoff (exponential with jitter, capped) and dial again, forever;
/// 3. on success queue the connection for <see cref="AcceptAsync"/> and wait until Kestrel disposed it;
/// 4. a connection that stayed up <see cref="TunnelAgentOptions.HealthyAfter"/> resets the backoff; dial again.
/// Unbinding stops the loops; connections already handed over drain with Kestrel's shutdown.
/// </remarks>
internal sealed partial class TunnelConnectionListener : IConnectionListener
{
    private readonly TunnelEndPoint _endPoint;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TunnelAgentMetrics _metrics;
    private readonly Channel<TunnelConnectionContext> _accepted = Channel.CreateUnbounded<TunnelConnectionContext>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _slots;

    public TunnelConnectionListener(TunnelEndPoint endPoint, TimeProvider time, ILogger logger, TunnelAgentMetrics metrics)
    {
        _endPoint = endPoint;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _slots = new Task[endPoint.Options.ConnectionCount];
        for (var i = 0; i < _slots.Length; i++)
        {
            var slot = i;
            _slots[i] = Task.Run(() => RunSlotAsync(slot));
        }
    }

    public EndPoint EndPoint => _endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // Kestrel reads null as "this listener is done".
            return null;
        }
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        await Task.WhenAll(_slots);
        _accepted.Writer.TryComplete();

        // Dialed but never accepted: nobody else will close them.
        while (_accepted.Reader.TryRead(out var orphan))
        {
            await orphan.DisposeAsync();
        }

        _endPoint.Status.OnStopped();
    }

    private async Task RunSlotAsync(int slot)
    {
        var options = _endPoint.Options;
        var status = _endPoint.Status;
        var token = _stopping.Token;
        var failures = 0;
        var everConnected = false;
        while (!token.IsCancellationRequested && status.State != TunnelAgentState.Unauthorized)
        {
            var dialStarted = _time.GetTimestamp();
            TunnelDialResult result;
            try
            {
                result = await TunnelDialer.DialAsync(options, _endPoint.CertificateValidator, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopping (or another slot was refused) mid-dial: unbinding must not fail because of it.
                return;
            }

            if (token.IsCancellationRequested)
            {
                if (result.Stream is not null)
                {
                    await result.Stream.DisposeAsync();
                }

                return;
            }

            if (result.Refused)
            {
                Log.Refused(_logger, options.TunnelId, options.RelayUri!, result.Error!);
                status.OnUnauthorized(result.Error!);
                await _stopping.CancelAsync();
                return;
            }

            if (result.Stream is null)
            {
                failures++;
                status.OnDialFailed(result.Error!);
                var delay = TunnelBackoff.Compute(failures, options.InitialBackoff, options.MaxBackoff, Random.Shared.NextDouble());
                Log.DialFailed(_logger, options.TunnelId, slot, result.Error!, delay);
                if (!await DelayAsync(delay, token))
                {
                    return;
                }

                continue;
            }

            _metrics.RecordConnect(_endPoint, _time.GetElapsedTime(dialStarted));
            var connection = new TunnelConnectionContext(result.Stream, _endPoint);
            status.OnConnected(everConnected);
            everConnected = true;
            Log.Connected(_logger, options.TunnelId, slot, connection.ConnectionId);
            var started = _time.GetTimestamp();
            if (!_accepted.Writer.TryWrite(connection))
            {
                await connection.DisposeAsync();
            }

            try
            {
                // Unbinding must not wait for handed-over connections: Kestrel drains them after unbinding.
                await connection.Completion.WaitAsync(token);
            }
            catch (OperationCanceledException)
            {
                status.OnDisconnected();
                return;
            }

            status.OnDisconnected();
            var lived = _time.GetElapsedTime(started);
            Log.Disconnected(_logger, options.TunnelId, slot, connection.ConnectionId, lived);
            if (lived >= options.HealthyAfter)
            {
                failures = 0;
                continue;
            }

            // A connection that dropped quickly counts as a failure, so a relay that accepts then drops is not hammered.
            failures++;
            var retryDelay = TunnelBackoff.Compute(failures, options.InitialBackoff, options.MaxBackoff, Random.Shared.NextDouble());
            if (!await DelayAsync(retryDelay, token))
            {
                return;
            }
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, _time, token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Tunnel {TunnelId}: connection {ConnectionId} up (slot {Slot})")]
        public static partial void Connected(ILogger logger, string tunnelId, int slot, string connectionId);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Tunnel {TunnelId}: connection {ConnectionId} closed after {Lived} (slot {Slot})")]
        public static partial void Disconnected(ILogger logger, string tunnelId, int slot, string connectionId, TimeSpan lived);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Tunnel {TunnelId}: dial failed (slot {Slot}): {Error}; retrying in {Delay}")]
        public static partial void DialFailed(ILogger logger, string tunnelId, int slot, string error, TimeSpan delay);

        [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Tunnel {TunnelId}: relay {Relay} refused the agent: {Error}; not redialing")]
        public static partial void Refused(ILogger logger, string tunnelId, Uri relay, string error);
    }
}
