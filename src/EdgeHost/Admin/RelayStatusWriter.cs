using System.Globalization;
using System.Text.Json;
using Edge.Tunnel.Relay;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Admin;

/// <summary>
/// <c>GET /_edge/status</c> on the relay: every tunnel with its agents (and their live connections) and counters.
/// </summary>
/// <remarks>
/// <code>
/// {"tunnels":[{"id":"home","agents":[{"id":"…","connections":4,"inFlight":0}],"connections":4,"inFlight":0,
///   "requests":12,"responsesByStatus":{"200":10,"404":2},"bytesToAgent":0,"bytesFromAgent":5120,"retries":0,
///   "clientAborts":0,"agentConnectionsAccepted":4,"agentConnectionsRefused":0}],
///  "unroutedRequests":3,"unattributedAgentRefusals":0}
/// </code>
/// </remarks>
internal static class RelayStatusWriter
{
    public static async Task WriteAsync(HttpContext context, TunnelRelay relay)
    {
        var connections = relay.GetConnections();
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteStartArray("tunnels");
        foreach (var tunnel in relay.GetStatus())
        {
            json.WriteStartObject();
            json.WriteString("id", tunnel.TunnelId);
            json.WriteStartArray("agents");
            foreach (var agent in connections.Where(c => c.TunnelId == tunnel.TunnelId).GroupBy(c => c.AgentId, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("id", agent.Key);
                json.WriteNumber("connections", agent.Count());
                json.WriteNumber("inFlight", agent.Sum(c => c.InFlight));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("connections", tunnel.Connections);
            json.WriteNumber("inFlight", tunnel.InFlight);
            json.WriteNumber("requests", tunnel.Requests);
            json.WriteStartObject("responsesByStatus");
            foreach (var (status, count) in tunnel.ResponsesByStatus.OrderBy(p => p.Key))
            {
                json.WriteNumber(status.ToString(CultureInfo.InvariantCulture), count);
            }

            json.WriteEndObject();
            json.WriteNumber("bytesToAgent", tunnel.BytesToAgent);
            json.WriteNumber("bytesFromAgent", tunnel.BytesFromAgent);
            json.WriteNumber("retries", tunnel.Retries);
            json.WriteNumber("clientAborts", tunnel.ClientAborts);
            json.WriteNumber("agentConnectionsAccepted", tunnel.AgentConnectionsAccepted);
            json.WriteNumber("agentConnectionsRefused", tunnel.AgentConnectionsRefused);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("unroutedRequests", relay.NoRouteRequests);
        json.WriteNumber("unattributedAgentRefusals", relay.UnattributedAgentRefusals);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
