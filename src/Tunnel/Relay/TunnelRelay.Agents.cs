using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
    /// <summary>
    /// Handles <c>GET /_edge/tunnel/connect</c> from an agent.
    /// </summary>
    /// <remarks>
    /// 1. Require an <c>Upgrade: edge-tunnel</c> request (400 otherwise).
    /// 2. Bearer token checked for the tunnel id in constant time: 401 without one, 403 when wrong or the tunnel is
    ///    unknown. The refusal is logged with tunnel, agent and peer, never the token.
    /// 3. 101, then the stream joins the tunnel's pool until it closes or the relay's drain closes it. While the relay
    ///    is stopping, agents get 503 instead (they redial). The server asking this connection to close (its graceful
    ///    shutdown) starts the drain (<see cref="Drain"/>).
    /// </remarks>
    public async Task AcceptAgentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.Request.Headers;
        var tunnelId = headers[TunnelProtocol.TunnelIdHeader].ToString();
        var agentId = headers[TunnelProtocol.AgentIdHeader].ToString();
        if (agentId.Length == 0)
        {
            agentId = "unnamed";
        }

        var peer = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

        // 1. Upgrade only.
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest
            || !string.Equals(headers.Upgrade.ToString(), TunnelProtocol.UpgradeToken, StringComparison.OrdinalIgnoreCase))
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, $"expected Upgrade: {TunnelProtocol.UpgradeToken}");
            return;
        }

        if (_draining)
        {
            Log.AgentRefused(_logger, Sanitize(tunnelId), Sanitize(agentId), peer, 503, "the relay is stopping");
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "relay is stopping");
            return;
        }

        // 2. Credentials.
        var authorization = headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7 || tunnelId.Length == 0)
        {
            CountRefusal(tunnelId);
            Log.AgentRefused(_logger, Sanitize(tunnelId), Sanitize(agentId), peer, 401, "missing bearer token or tunnel id");
            await WriteTextAsync(context, StatusCodes.Status401Unauthorized, "tunnel credentials required");
            return;
        }

        if (!_credentials.Verify(tunnelId, authorization[7..].Trim()))
        {
            CountRefusal(tunnelId);
            Log.AgentRefused(_logger, Sanitize(tunnelId), Sanitize(agentId), peer, 403, "invalid token or unknown tunnel");
            await WriteTextAsync(context, StatusCodes.Status403Forbidden, "tunnel credentials refused");
            return;
        }

        // 3. Join the pool for the life of the stream.
        context.Response.Headers.Upgrade = TunnelProtocol.UpgradeToken;
        var stream = await upgrade.UpgradeAsync();
        var connection = new RelayConnection(tunnelId, agentId, stream, _options);
        _registry.Add(connection);
        Interlocked.Increment(ref _registry.Counters(tunnelId).AgentConnectionsAccepted);
        Log.AgentConnected(_logger, tunnelId, agentId, peer, connection.Id);
        _ = connection.Stream.GoingAway.ContinueWith(
            _ =>
            {
                _registry.Remove(connection);
                Log.AgentGoingAway(_logger, tunnelId, agentId, connection.Id, connection.InFlight);
            },
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        // The server asks its connections to close when it stops accepting (graceful shutdown): then drain. Without
        // that signal (another server), the host stopping is the signal.
        var closeRequested = context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? _hostStopping;
        using var drainOnClose = closeRequested.Register(static state => ((TunnelRelay)state!).OnAgentConnectionCloseRequested(), this);
        try
        {
            await connection.Stream.Closed.WaitAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _registry.Remove(connection);
            connection.Dispose();

            // Kestrel would wait for the reads still pending on the upgraded stream before closing the socket; abort
            // so the agent sees the end at once and redials.
            context.Abort();
            Log.AgentDisconnected(_logger, tunnelId, agentId, connection.Id);
        }
    }

    /// <summary>Counts a refusal on the tunnel when it is configured; otherwise relay-wide, so ids an attacker makes up
    /// never become metric series.</summary>
    private void CountRefusal(string tunnelId)
    {
        if (_credentials.IsKnown(tunnelId))
        {
            Interlocked.Increment(ref _registry.Counters(tunnelId).AgentConnectionsRefused);
        }
        else
        {
            Interlocked.Increment(ref _refusedUnattributed);
        }
    }

    private void OnAgentConnectionCloseRequested()
    {
        // Outside a host shutdown (an endpoint reconfigured) the server closes the connection itself when its own
        // timeout runs out; the agent redials.
        if (!_hosted || _hostStopping.IsCancellationRequested)
        {
            Drain();
        }
    }

    private static string Sanitize(string value) =>
        value.Length <= 64 && value.All(c => c > ' ' && c <= '~') ? value : "(invalid)";

    private static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    private static bool IsAgentRequest(HttpRequest request) =>
        request.Path.Equals(TunnelProtocol.ConnectPath, StringComparison.Ordinal)
        && request.Headers.Upgrade.ToString().Equals(TunnelProtocol.UpgradeToken, StringComparison.OrdinalIgnoreCase);

    /// <summary>The whole relay as one terminal handler: agent upgrades to <see cref="AcceptAgentAsync"/>, the rest to
    /// <see cref="ForwardAsync"/>.</summary>
    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsAgentRequest(context.Request) ? AcceptAgentAsync(context) : ForwardAsync(context);
    }

    internal static string PeerOf(HttpContext context) => context.Connection.RemoteIpAddress is IPAddress ip
        ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString())
        : "unknown";
}
