using Microsoft.Extensions.Logging;

namespace Edge.Tunnel.Relay;

public sealed partial class TunnelRelay
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Tunnel {TunnelId}: agent {AgentId} connected from {Peer} (connection {ConnectionId})")]
        public static partial void AgentConnected(ILogger logger, string tunnelId, string agentId, string peer, long connectionId);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Tunnel {TunnelId}: agent {AgentId} connection {ConnectionId} closed")]
        public static partial void AgentDisconnected(ILogger logger, string tunnelId, string agentId, long connectionId);

        [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Tunnel {TunnelId}: refused agent {AgentId} from {Peer} with {Status}: {Reason}")]
        public static partial void AgentRefused(ILogger logger, string tunnelId, string agentId, string peer, int status, string reason);

        [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Tunnel {TunnelId}: agent {AgentId} connection {ConnectionId} is going away (GOAWAY); no new requests on it, {InFlight} in flight finish")]
        public static partial void AgentGoingAway(ILogger logger, string tunnelId, string agentId, long connectionId, int inFlight);

        [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Relay stopping: {InFlight} forwarded request(s) in flight, {Connections} agent connection(s); new agent connections are refused")]
        public static partial void Stopping(ILogger logger, long inFlight, int connections);

        [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "Relay draining: waiting for {InFlight} forwarded request(s) before closing the agent connections")]
        public static partial void Draining(ILogger logger, long inFlight);

        [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "Relay drained: closed {Connections} agent connection(s)")]
        public static partial void Drained(ILogger logger, int connections);

        [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "No tunnel route for host {Host}, path {Path}")]
        public static partial void NoRoute(ILogger logger, string host, string path);





        [LoggerMessage(EventId = 120, Level = LogLevel.Debug, Message = "Access {Name}: {Method} {Host}{Path}")]
        public static partial void AccessGranted(ILogger logger, string name, string method, string host, string path);

        [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Access refused for {Host}{Path} from {Peer}: {Reason}")]
        public static partial void AccessRefused(ILogger logger, string host, string path, string peer, string reason);
    }
}
